// The folders a run writes to, tried as the task's account would: a file is created and removed
// again, and a folder that does not exist yet is not created (a check leaves nothing behind),
// only the folder a run would create it in is tried.
import { randomBytes } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expandPath } from '../cli/context.js';
import { logsFolderOf } from '../logs/run-log.js';
import type { LoadedMapping } from '../mapping/schema.js';
import type { CheckLine } from './lines.js';

export interface OutputFolder {
  title: string;
  /** The key or option that sets it, for what to do. */
  key: string;
  folder: string;
}

export function outputFolders(loaded: LoadedMapping, opts: { report?: string; logDir?: string }): OutputFolder[] {
  const { mapping, baseDir, file } = loaded;
  const beside = path.dirname(file);
  const folders: OutputFolder[] = [
    {
      title: 'State folder',
      key: 'upload.stateDir',
      folder: mapping.upload.stateDir ? path.resolve(baseDir, mapping.upload.stateDir) : path.join(beside, 'clearnox-sync-state'),
    },
  ];
  if (mapping.upload.workDir) folders.push({ title: 'Work folder', key: 'upload.workDir', folder: path.resolve(baseDir, mapping.upload.workDir) });
  folders.push({ title: 'Logs folder', key: opts.logDir ? '--log-dir' : 'logs.folder', folder: logsFolderOf(loaded, opts.logDir) });
  if (opts.report) folders.push({ title: 'Report folder', key: '--report', folder: path.dirname(path.resolve(expandPath(opts.report))) });
  return folders;
}

async function kindOf(p: string): Promise<'folder' | 'file' | null> {
  const info = await stat(p).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw e;
  });
  return info === null ? null : info.isDirectory() ? 'folder' : 'file';
}

/** Creates and removes a file of its own in `folder`; the error code when it cannot. */
async function tryWrite(folder: string): Promise<string | null> {
  const probe = path.join(folder, `.clearnox-sync-check-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(probe, '', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
  await rm(probe, { force: true });
  return null;
}

export async function checkFolder(f: OutputFolder): Promise<CheckLine> {
  const fail = (found: string, todo: string): CheckLine => ({ status: 'fail', title: f.title, found, todo, kind: 'config' });
  try {
    const kind = await kindOf(f.folder);
    if (kind === 'file') return fail(`${f.folder} is a file, not a folder`, `Give in ${f.key} a folder, or move the file away.`);
    let existing = f.folder;
    if (kind === null) {
      // The nearest folder that exists is where a run would create the rest.
      for (;;) {
        const parent = path.dirname(existing);
        if (parent === existing) break;
        existing = parent;
        const k = await kindOf(existing);
        if (k === 'file') return fail(`${f.folder} cannot be created: ${existing} is a file`, `Give in ${f.key} a folder under one that exists.`);
        if (k === 'folder') break;
      }
    }
    const refused = await tryWrite(existing);
    if (refused) {
      return fail(
        kind === null ? `${f.folder} does not exist, and this account cannot create it in ${existing} (${refused})` : `this account cannot write to ${f.folder} (${refused})`,
        `Give the task's account write access to ${existing}, or give another folder in ${f.key}.`,
      );
    }
    return {
      status: 'ok',
      title: f.title,
      found: kind === null ? `${f.folder} does not exist yet; a run creates it in ${existing}, where this account may write` : `${f.folder} is writable`,
    };
  } catch (e) {
    return fail(`${f.folder} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, `Check ${f.key} and the account's rights on that folder.`);
  }
}
