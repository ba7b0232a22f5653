// A value protected for the machine opens for any account of the machine that can read it: the
// store's folder is the only lock, and a new folder under ProgramData is readable by every local
// user. It is narrowed to the administrators, SYSTEM and the accounts named to read it (the
// scheduled task's), by well-known SIDs so that a French or German Windows reads them alike.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/** Runs icacls with these arguments; injected by tests. */
export type IcaclsRunner = (args: string[]) => Promise<void>;

const ADMINISTRATORS = '*S-1-5-32-544';
const SYSTEM = '*S-1-5-18';

export function systemIcacls(env: NodeJS.ProcessEnv = process.env): IcaclsRunner {
  const root = Object.entries(env).find(([k]) => k.toUpperCase() === 'SYSTEMROOT')?.[1];
  // By full path, for the reason powershell.exe is (dpapi.ts).
  const program = root ? path.win32.join(root, 'System32', 'icacls.exe') : 'icacls.exe';
  return async (args) => {
    await promisify(execFile)(program, args, { windowsHide: true });
  };
}

/** What is wrong with an account name given to --reader, or undefined. */
export function readerProblem(account: string): string | undefined {
  if (/^[^:()*"\r\n]+$/.test(account.trim())) return undefined;
  return `--reader "${account}" is not an account name; give it as DOMAIN\\user or .\\user (e.g. ACME\\svc-clearnox)`;
}

export function restrictFolderArgs(dir: string, readers: string[]): string[] {
  return [dir, '/inheritance:r', '/grant:r', `${ADMINISTRATORS}:(OI)(CI)F`, `${SYSTEM}:(OI)(CI)F`, ...readers.map((r) => `${r.trim()}:(OI)(CI)RX`)];
}
