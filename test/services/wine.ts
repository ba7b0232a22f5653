// vitest global setup: a Windows runtime for the tests, Debian's Wine running the official
// node.exe of Node 22 (Node 24's does not start under Wine 8). The program's users run it on
// Windows servers; without this its Windows branches would only ever run with a faked platform.
// A prefix of its own in a temporary folder, so that no test sees another run's drives or files.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { nodeBinary } from '../../scripts/node-binary.js';
import { ensureDebianPackages } from './apt.js';

/** Debian installs the loader outside PATH. */
export const WINE = '/usr/lib/wine/wine64';
export const WINESERVER = '/usr/lib/wine/wineserver';

export interface WineInfo {
  /** The WINEPREFIX: its drive_c is C:, its dosdevices the drive letters and \\server\share. */
  prefix: string;
  /** The Windows node.exe (a Linux path; Wine reads it through Z:). */
  nodeExe: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    wine: WineInfo;
  }
}

/** The environment every Wine process gets: nothing of the parent's beyond what Wine needs. */
export function wineEnvironment(prefix: string): Record<string, string> {
  return {
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    // No Gecko or Mono: wineboot would otherwise offer to download them.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    HOME: process.env.HOME ?? os.homedir(),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // Wine maps Linux file names to Windows ones through the locale's character set: without a
    // UTF-8 one, "été" on disk is not the "été" a Windows program asks for.
    LANG: 'C.UTF-8',
  };
}

async function wineStep(prefix: string, dir: string, name: string, args: string[]): Promise<void> {
  // Output to a file: a pipe can fail under Wine.
  const log = path.join(dir, `${name}.log`);
  const r = spawnSync('sh', ['-c', 'exec "$@" >"$LOG" 2>&1', 'sh', WINE, ...args], {
    env: { ...wineEnvironment(prefix), LOG: log },
    timeout: 120_000,
  });
  if (r.status !== 0) {
    const out = existsSync(log) ? (await readFile(log, 'utf8')).slice(-3000) : '';
    throw new Error(`Wine could not be set up: wine64 ${args.join(' ')} ended with ${r.error?.message ?? r.signal ?? `exit ${r.status}`}:\n${out}`);
  }
}

export async function startWine(): Promise<{ info: WineInfo; stop(): Promise<void> }> {
  ensureDebianPackages(['wine64']);
  if (!existsSync(WINE)) throw new Error(`Wine could not be set up: the package wine64 is installed but ${WINE} is missing`);
  const nodeExe = nodeBinary('win-x64', 22);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-wine-'));
  const prefix = path.join(dir, 'prefix');
  const stop = async () => {
    spawnSync(WINESERVER, ['-k'], { env: wineEnvironment(prefix), stdio: 'ignore', timeout: 30_000 });
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // "failed to open syswow64 rundll32" is printed and harmless: this wine64 has no 32-bit half.
    await wineStep(prefix, dir, 'wineboot', ['wineboot', '--init']);
    // node.exe refuses Windows versions before 8.1, and a new prefix says Windows 7.
    await wineStep(prefix, dir, 'winecfg', ['winecfg', '-v', 'win10']);
  } catch (e) {
    await stop();
    throw e;
  }
  return { info: { prefix, nodeExe }, stop };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wine = await startWine();
  project.provide('wine', wine.info);
  return () => wine.stop();
}
