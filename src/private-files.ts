// What a run writes holds invoices or says what was sent: only the task's account may read it, and
// a link planted at one of its names is never followed (the write would land wherever it points).
import { constants, createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

// Windows has neither O_NOFOLLOW nor modes; there O_EXCL alone refuses whatever is at the name.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
export const PRIVATE_FILE = 0o600;
export const PRIVATE_FOLDER = 0o700;

/** Creates `file` for writing; fails with EEXIST when anything, a link included, is at its name. */
export function createExclusive(file: string): Promise<FileHandle> {
  return open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, PRIVATE_FILE);
}

/** To append to a file, created when missing; a link at its name is refused (ELOOP). */
export const APPEND_NOFOLLOW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW;

/**
 * Writes `file` under a name beside it, then renames it over: a process killed meanwhile leaves
 * the old file whole, and the rename replaces a link at `file` rather than writing through it.
 */
export async function writeFileReplacing(file: string, data: string): Promise<void> {
  const aside = `${file}.${process.pid}.tmp`;
  const handle = await createExclusive(aside).catch(async (e: NodeJS.ErrnoException) => {
    // Left by a killed process that had this pid, or planted: removing a link leaves its target.
    if (e.code !== 'EEXIST') throw e;
    await rm(aside, { force: true });
    return createExclusive(aside);
  });
  try {
    await handle.writeFile(data, 'utf8');
  } finally {
    await handle.close();
  }
  try {
    await rename(aside, file);
  } catch (e) {
    await rm(aside, { force: true });
    throw e;
  }
}

/** Copies `from` to a new private file `to`, replacing a file (or a link, not followed) already there. */
export async function copyToPrivateFile(from: string, to: string): Promise<void> {
  await rm(to, { force: true });
  const handle = await createExclusive(to);
  try {
    // The stream closes the file when it ends or fails.
    await pipeline(createReadStream(from), handle.createWriteStream());
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(to, { force: true });
    throw e;
  }
}

/** A folder of this program's own: created private, or made private when it exists; never a link. */
export async function ownFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: PRIVATE_FOLDER });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const stat = await lstat(dir);
  if (!stat.isDirectory()) {
    throw Object.assign(new Error(`${dir} is ${stat.isSymbolicLink() ? 'a link' : 'a file'}, not a folder; remove it`), { code: 'ENOTDIR' });
  }
  if ((stat.mode & 0o777) !== PRIVATE_FOLDER) await chmod(dir, PRIVATE_FOLDER);
}
