// A release's executable, run as a customer's server runs it: from a folder of its own, far from
// this repository's node_modules (so nothing can be loaded from there by mistake), with a
// minimal environment.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type { CliResult } from './cli.js';
import type { ReleaseInfo } from '../services/release.js';

const run = promisify(execFile);

export const releases = () => inject('releases');

/** A copy of the release folder in a new temporary folder, and a way to remove it. */
export async function installedCopy(release: ReleaseInfo): Promise<{ folder: string; executable: string; remove(): Promise<void> }> {
  const top = await mkdtemp(path.join(os.tmpdir(), 'cnx-installed-'));
  const folder = path.join(top, path.basename(release.folder));
  await cp(release.folder, folder, { recursive: true, preserveTimestamps: true });
  return { folder, executable: path.join(folder, path.basename(release.executable)), remove: () => rm(top, { recursive: true, force: true }) };
}

export async function runExecutable(executable: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const env = { PATH: '/usr/bin:/bin', HOME: os.tmpdir(), LANG: 'C.UTF-8', ...opts.env };
  try {
    const { stdout, stderr } = await run(executable, args, { cwd: opts.cwd ?? os.tmpdir(), env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
