// A path a person names (the mapping file, a ${file:...} secret, a document) may be a FIFO or a
// device: open() on it would block a thread that neither a stop request nor process.exit can end.
// Opened without blocking, the handle itself tells what it is, and only a regular file is read.
// (Windows has no O_NONBLOCK, and no FIFO in a folder either.)
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** EISDIR for a folder, ENOTREG for a pipe, a socket or a device. */
export type NotRegularCode = 'EISDIR' | 'ENOTREG';

export async function openRegularFile(file: string): Promise<FileHandle> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    if (info.isFile()) return handle;
    const code: NotRegularCode = info.isDirectory() ? 'EISDIR' : 'ENOTREG';
    throw Object.assign(new Error(code === 'EISDIR' ? `${file} is a folder, not a file` : `${file} is not a regular file (a pipe or a device)`), { code });
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e;
  }
}

export async function readRegularFile(file: string): Promise<Buffer> {
  const handle = await openRegularFile(file);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
