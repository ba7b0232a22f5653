import { realpathSync } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { openRegularFile } from '../../src/regular-file.js';
import { AdapterConfigError, DocumentError, type DocumentStore, type DocumentStoreAdapter, type ListedFile } from '../types.js';
import { walkTree, type TreeEntry } from './list-tree.js';
import { mappedDriveWarning, rootProblem } from './local-root.js';
import { storeSegments } from './store-path.js';

const LocalOptions = z
  .object({
    root: z.string().min(1).describe('Folder holding the PDFs: a local path or a UNC path (`\\\\server\\share\\folder`); a relative path starts at the mapping file\'s folder.'),
  })
  .strict();

export const localAdapter: DocumentStoreAdapter<z.output<typeof LocalOptions>> = {
  type: 'local',
  description: 'A folder on this machine or a Windows share by UNC path.',
  optionsSchema: LocalOptions,
  async open(options, ctx) {
    const problem = rootProblem(options.root, process.platform);
    if (problem) throw new AdapterConfigError(problem);
    const configured = path.resolve(ctx.baseDir, options.root);
    let root: string;
    try {
      root = await realpath(configured);
      if (!(await stat(root)).isDirectory()) throw new Error('not a folder');
    } catch {
      const drive = mappedDriveWarning(options.root, null, process.platform, process.env.SystemDrive);
      throw new AdapterConfigError(
        `documents.root: the folder ${configured} does not exist or cannot be read by this account.${drive ? ` ${drive}` : ''}`,
      );
    }
    const native = process.platform === 'win32' ? nativeRealpath(configured) : null;
    const warning = mappedDriveWarning(options.root, native, process.platform, process.env.SystemDrive);
    if (warning) ctx.log.warn({ root: options.root }, warning);
    return new LocalStore(root);
  },
};

class LocalStore implements DocumentStore {
  constructor(private readonly root: string) {}

  get description(): string {
    return this.root;
  }

  async stat(p: string) {
    const full = await this.resolve(p);
    const info = await stat(full).catch((e: unknown) => {
      throw fsError(e, p);
    });
    if (!info.isFile()) throw new DocumentError('unreadable', `"${p}" is not a file`);
    return { size: info.size };
  }

  async open(p: string): Promise<Readable> {
    const full = await this.resolve(p);
    // The path may have become a FIFO (or a device) since stat(): see regular-file.ts.
    const handle = await openRegularFile(full).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EISDIR') throw new DocumentError('unreadable', `"${p}" is a folder, not a file`);
      if (e.code === 'ENOTREG') throw new DocumentError('unreadable', `"${p}" is not a regular file (a pipe or a device); not read`);
      throw fsError(e, p);
    });
    return handle.createReadStream();
  }

  async *list(folder: string): AsyncIterable<ListedFile> {
    const start = folder.trim() === '' ? [] : storeSegments(folder);
    if (start.length > 0) await this.resolve(folder);
    const root = this.root;
    yield* walkTree(start, async function* (segments): AsyncIterable<TreeEntry> {
      const dir = await opendir(path.join(root, ...segments)).catch((e: unknown) => {
        throw fsError(e, segments.join('/'));
      });
      for await (const d of dir) yield { name: d.name, kind: d.isFile() ? 'file' : d.isDirectory() ? 'dir' : 'other' };
    });
  }

  async close(): Promise<void> {}

  // A symlink inside the root may point anywhere; the real path must still be under the root.
  private async resolve(p: string): Promise<string> {
    const full = path.join(this.root, ...storeSegments(p));
    const real = await realpath(full).catch((e: unknown) => {
      throw fsError(e, p);
    });
    const rel = path.relative(this.root, real);
    // "..FA-1.pdf" is a name in the root, not a way up.
    if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
      throw new DocumentError('outside_root', `"${p}" leads outside the store root through a link`);
    }
    return real;
  }
}

function fsError(e: unknown, p: string): DocumentError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new DocumentError('not_found', `no file at "${p}"`, { cause: e });
  if (code === 'EACCES' || code === 'EPERM') {
    return new DocumentError('permission_denied', `permission denied reading "${p}"`, { cause: e });
  }
  if (code === 'EISDIR') return new DocumentError('unreadable', `"${p}" is a folder, not a file`, { cause: e });
  return new DocumentError('unreadable', `cannot read "${p}": ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

function nativeRealpath(p: string): string | null {
  try {
    return realpathSync.native(p);
  } catch {
    return null;
  }
}
