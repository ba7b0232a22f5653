// The report and log files are written by the task's account, often into a share; a folder that
// cannot take them is found before the run sends anything, not after.
import { access, constants, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './errors.js';

/** Creates the folder of `file` when missing; refuses (exit 2) one this account cannot write to. */
export async function prepareOutputFolder(option: string, file: string): Promise<void> {
  const target = path.resolve(file);
  const folder = path.dirname(target);
  try {
    await mkdir(folder, { recursive: true });
    await access(folder, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError(
      `${option}: the folder ${folder} cannot be created or written to by this account (${code}). Give a folder it may write to, or create this one and give the account write access.`,
    );
  }
  const existing = await stat(target).catch(() => null);
  if (existing?.isDirectory()) throw new UsageError(`${option}: ${target} is a folder; give a file name in it (e.g. ${path.join(target, option === '--report' ? 'run-{timestamp}.json' : 'run-{timestamp}.log')}).`);
}
