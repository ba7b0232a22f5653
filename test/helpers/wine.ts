// Runs Windows programs (node.exe, clearnox-sync.exe) under the Wine that test/services/wine.ts
// set up, and maps paths between the two sides. A program's output goes to files: a pipe can fail
// under Wine. The child gets a minimal environment, so that no secret of the test process (or of
// CI) reaches it unless a test gives it on purpose.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { WINE, wineEnvironment, type WineInfo } from '../services/wine.js';

export interface WineRun {
  /** The program's exit code; null when it was killed (timeoutMs passed). */
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface WineRunOptions {
  /** A Linux folder (Wine shows it as Z:\...); default: a new temporary folder. */
  cwd?: string;
  /** Added to the minimal environment (WINEPREFIX, WINEDEBUG, HOME, PATH, a UTF-8 LANG). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Written to the program's standard input (a file too); default: nothing. */
  input?: string;
  /** The Wine to use; default: what test/services/wine.ts provides (inject works in tests only). */
  wine?: WineInfo;
}

export const wine = (): WineInfo => inject('wine');

/**
 * Runs `exe` (a Linux path to a .exe, or a Windows path) with `args` under Wine. Arguments are
 * given to the Windows program as they are: a path argument must be a Windows one (toWindowsPath).
 */
export async function runUnderWine(exe: string, args: string[], opts: WineRunOptions = {}): Promise<WineRun> {
  const { prefix } = opts.wine ?? wine();
  const io = await mkdtemp(path.join(os.tmpdir(), 'cnx-wine-run-'));
  const files = { stdin: path.join(io, 'stdin'), stdout: path.join(io, 'stdout'), stderr: path.join(io, 'stderr') };
  await writeFile(files.stdin, opts.input ?? '');
  const fds = [openSync(files.stdin, 'r'), openSync(files.stdout, 'w'), openSync(files.stderr, 'w')];
  try {
    const child = spawn(WINE, [exe, ...args], {
      cwd: opts.cwd ?? io,
      env: { ...wineEnvironment(prefix), ...opts.env },
      stdio: fds,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    const status = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    }).finally(() => clearTimeout(timer));
    return { status, timedOut, stdout: await readFile(files.stdout, 'utf8'), stderr: await readFile(files.stderr, 'utf8') };
  } finally {
    for (const fd of fds) closeSync(fd);
    await rm(io, { recursive: true, force: true });
  }
}

/** Runs the Windows node.exe with `args` (a script's path in it given as a Windows path). */
export function runNodeUnderWine(args: string[], opts: WineRunOptions = {}): Promise<WineRun> {
  return runUnderWine((opts.wine ?? wine()).nodeExe, args, opts);
}

function dosdevices(prefix: string): string {
  return path.join(prefix, 'dosdevices');
}

/** Where each drive letter of the prefix leads, as Linux folders (C: is drive_c, Z: is /). */
function drives(prefix: string): { letter: string; target: string }[] {
  const out: { letter: string; target: string }[] = [];
  for (const letter of 'abcdefghijklmnopqrstuvwxyz') {
    try {
      out.push({ letter: letter.toUpperCase(), target: path.resolve(dosdevices(prefix), readlinkSync(path.join(dosdevices(prefix), `${letter}:`))) });
    } catch {
      // no such drive
    }
  }
  return out;
}

/**
 * The Windows path a program under Wine sees for a Linux path: under drive_c it is C:\..., any
 * other path is on Z: (the whole Linux tree). Same as `winepath -w`, without starting Wine.
 */
export function toWindowsPath(linuxPath: string, prefix = wine().prefix): string {
  const full = path.resolve(linuxPath);
  // The most specific drive first, so that C: wins over Z: for a path under drive_c.
  const candidates = drives(prefix)
    .filter((d) => full === d.target || full.startsWith(d.target.endsWith('/') ? d.target : `${d.target}/`))
    .sort((a, b) => b.target.length - a.target.length);
  const drive = candidates[0];
  if (!drive) throw new Error(`${linuxPath} is on no drive of the Wine prefix ${prefix}`);
  const rest = path.relative(drive.target, full);
  return `${drive.letter}:\\${rest.split('/').join('\\')}`;
}

/** The Linux path behind a Windows one (a drive-letter path, or \\server\share mapped with mapShare). */
export function fromWindowsPath(windowsPath: string, prefix = wine().prefix): string {
  const unc = /^[\\/]{2}([^\\/]+)[\\/]([^\\/]+)(.*)$/.exec(windowsPath);
  if (unc) {
    const share = path.join(dosdevices(prefix), 'unc', unc[1]!.toLowerCase(), unc[2]!.toLowerCase());
    return path.join(share, ...unc[3]!.split(/[\\/]+/).filter(Boolean));
  }
  const drive = /^([a-zA-Z]):(.*)$/.exec(windowsPath);
  if (!drive) throw new Error(`${windowsPath} is not an absolute Windows path`);
  const target = drives(prefix).find((d) => d.letter === drive[1]!.toUpperCase());
  if (!target) throw new Error(`the Wine prefix ${prefix} has no drive ${drive[1]}:`);
  return path.join(target.target, ...drive[2]!.split(/[\\/]+/).filter(Boolean));
}

/** Makes a drive letter lead to a Linux folder, as a second disk (or a mapped drive) would. */
export function mapDrive(letter: string, linuxDir: string, prefix = wine().prefix): void {
  const link = path.join(dosdevices(prefix), `${letter.toLowerCase()}:`);
  rmSync(link, { force: true });
  symlinkSync(linuxDir, link);
}

/**
 * Makes \\server\share a Linux folder for programs under Wine. Wine reads it as a local folder:
 * no SMB, no logon, and its realpath comes back as a drive path, not a UNC one.
 */
export function mapShare(server: string, share: string, linuxDir: string, prefix = wine().prefix): void {
  const dir = path.join(dosdevices(prefix), 'unc', server.toLowerCase());
  mkdirSync(dir, { recursive: true });
  const link = path.join(dir, share.toLowerCase());
  rmSync(link, { force: true });
  symlinkSync(linuxDir, link);
}
