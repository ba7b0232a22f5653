// Files for the upload tests, in a folder of the test file's own, removed after it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Call at a test file's top level: gives a function writing a file there and returning its path. */
export function archiveFiles(prefix: string): (name: string, bytes: Buffer) => Promise<string> {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return async (name, bytes) => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  };
}

/** The form part an archive travels in. */
export const zipPart = (fileName: string) => ({ name: 'file', fileName, contentType: 'application/zip' });
