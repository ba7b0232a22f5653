// The contract's limits as the sandbox applies them. Tests shrink them (SandboxOptions.limits) so
// that "over 100 MiB" can be exercised with a few kilobytes.
import { LIMITS } from '../clearnox/contract.js';

export type SandboxLimits = { -readonly [K in keyof typeof LIMITS]: number };

export function resolveLimits(overrides: Partial<SandboxLimits> = {}): SandboxLimits {
  const limits: SandboxLimits = { ...LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`sandbox limit ${name} must be a positive integer, not ${value}`);
  }
  return limits;
}
