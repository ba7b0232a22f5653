// What every benchmark reports: wall time and the peak memory of the process doing the work,
// measured in a child process of its own so that the harness and any servers do not count.
import { spawn } from 'node:child_process';

export interface Measured<T = unknown> {
  wallMs: number;
  /** Peak resident set size of the child, in MiB (getrusage's maxrss). */
  peakRssMiB: number;
  result: T;
}

/**
 * Runs `node script ...args`; the script must print one JSON line prefixed with `RESULT ` and
 * may print anything else, which is passed through to stderr.
 */
export async function measureNode<T>(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Measured<T>> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line) throw new Error(`${script} exited ${code}:\n${out}`);
  const { maxRssKiB, ...result } = JSON.parse(line.slice(7)) as { maxRssKiB: number } & Record<string, unknown>;
  return { wallMs, peakRssMiB: maxRssKiB / 1024, result: result as T };
}

/** For the child side: print the result with this process's peak memory. */
export function reportResult(result: Record<string, unknown>): void {
  process.stdout.write(`RESULT ${JSON.stringify({ ...result, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
}

export async function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export function table(rows: Record<string, string | number>[]): string {
  const keys = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : v);
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]!).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(width[i]!)).join('  ');
  return [line(keys), ...rows.map((r) => line(keys.map((k) => cell(r[k]!))))].join('\n');
}
