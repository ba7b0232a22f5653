// Decides whether a failure ends the run and how it is told: the exit code an administrator
// sees in Task Scheduler depends on it.
import { AdapterConfigError } from '../../adapters/types.js';
import {
  ClearnoxError,
  CredentialsRejectedError,
  ForbiddenError,
  NetworkError,
  RateLimitedError,
  ServerError,
  UnauthorizedError,
} from '../clearnox/errors.js';
import { SourceShapeError } from './lookup.js';
import { RunBusyError } from './run-state.js';
import type { AbortKind } from './report.js';

/** The operator stopped the run (Ctrl+C, or the service manager's SIGTERM). */
export class InterruptedError extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

export function abortKind(e: unknown): AbortKind {
  if (e instanceof InterruptedError) return 'interrupted';
  if (e instanceof RunBusyError) return 'busy';
  if (e instanceof AdapterConfigError || e instanceof SourceShapeError) return 'config';
  if (e instanceof CredentialsRejectedError) return 'credentials';
  if (e instanceof NetworkError) return 'unreachable';
  if (e instanceof ClearnoxError) return 'refused';
  return 'unreachable';
}

/** Upload failures after which sending the next archive is pointless. */
export function stopsTheRun(e: unknown): boolean {
  return (
    e instanceof NetworkError ||
    e instanceof CredentialsRejectedError ||
    e instanceof ForbiddenError ||
    e instanceof UnauthorizedError ||
    e instanceof RateLimitedError ||
    e instanceof ServerError ||
    !(e instanceof ClearnoxError)
  );
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
