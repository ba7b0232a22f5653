// A nightly task leaves a log a night: the oldest go, by age and by count, at the start of each
// run. Only files named as this program names its own are ever removed from the folder, which
// may be one an administrator keeps other things in; a link is neither followed nor removed.
import { lstat, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { messageOf } from '../pipeline/classify.js';
import { RUN_LOG_NAME } from './text-log.js';

export interface Retention {
  keepDays: number;
  keepRuns: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Removes from `folder` the run logs older than keepDays and those beyond the newest keepRuns;
 * `current` (this run's, counted among the kept) never. A file that cannot be removed is a
 * warning: the run goes on. Returns the names removed.
 */
export async function pruneRunLogs(folder: string, retention: Retention, opts: { current: string; log: Logger; now?: Date }): Promise<string[]> {
  const now = (opts.now ?? new Date()).getTime();
  const current = path.basename(opts.current);
  let names: string[];
  try {
    names = (await readdir(folder)).filter((n) => RUN_LOG_NAME.test(n) && n !== current);
  } catch (e) {
    opts.log.warn({ folder, err: messageOf(e) }, `Old logs in ${folder} were not removed: the folder could not be read (${messageOf(e)}).`);
    return [];
  }
  const logs: { name: string; mtimeMs: number }[] = [];
  for (const name of names) {
    // lstat: a link at one of our names stays as it is, and what it points to is never looked at.
    const stat = await lstat(path.join(folder, name)).catch(() => null);
    if (stat?.isFile()) logs.push({ name, mtimeMs: stat.mtimeMs });
  }
  // Newest first; this run's file is the first of the kept.
  logs.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : -1));
  const removed: string[] = [];
  const failed: string[] = [];
  for (const [i, { name, mtimeMs }] of logs.entries()) {
    if (i + 1 < retention.keepRuns && now - mtimeMs <= retention.keepDays * DAY_MS) continue;
    try {
      await unlink(path.join(folder, name));
      removed.push(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      failed.push(`${name} (${messageOf(e)})`);
    }
  }
  if (removed.length > 0) {
    opts.log.debug({ folder, removed }, `Removed ${removed.length} old log${removed.length === 1 ? '' : 's'} from ${folder} (logs.keepDays ${retention.keepDays}, logs.keepRuns ${retention.keepRuns}).`);
  }
  if (failed.length > 0) {
    opts.log.warn(
      { folder, failed },
      `${failed.length} old log${failed.length === 1 ? '' : 's'} in ${folder} could not be removed: ${failed.slice(0, 3).join(', ')}${failed.length > 3 ? ', ...' : ''}. Give this account the right to delete files there, or remove them by hand.`,
    );
  }
  return removed;
}
