// Where a run's plain-text log goes and how it is opened: the folder is prepared like --report's,
// before anything is sent, so that a folder the task's account cannot write to stops the run with
// exit code 2 instead of leaving a night without a trace.
import path from 'node:path';
import { prepareOutputFolder } from '../cli/output-paths.js';
import { UsageError } from '../cli/errors.js';
import type { LoadedMapping } from '../mapping/schema.js';
import { messageOf } from '../pipeline/classify.js';
import { TextLog } from './text-log.js';

/** The logs folder: `--log-dir`, else logs.folder (from the mapping file's folder), else beside the mapping file. */
export function logsFolderOf(loaded: LoadedMapping, logDir?: string): string {
  if (logDir) return path.resolve(logDir);
  const { folder } = loaded.mapping.logs;
  return folder ? path.resolve(loaded.baseDir, folder) : path.join(path.dirname(loaded.file), 'clearnox-sync-logs');
}

/** Creates the folder when missing and the run's log in it; refused (exit 2) when either cannot be. */
export async function openRunLog(loaded: LoadedMapping, opts: { logDir?: string; stamp: string; startedAt: Date }): Promise<TextLog> {
  const folder = logsFolderOf(loaded, opts.logDir);
  const option = opts.logDir ? '--log-dir' : loaded.mapping.logs.folder ? `logs.folder (${loaded.file})` : `the logs folder (logs.folder, default beside ${loaded.file})`;
  await prepareOutputFolder(option, path.join(folder, `run-${opts.stamp}.log`));
  try {
    return TextLog.open(folder, opts.stamp, { startedAt: opts.startedAt, mappingFile: loaded.file });
  } catch (e) {
    throw new UsageError(`${option}: the run's log could not be created in ${folder} (${messageOf(e)}). Give a folder this account may write to.`);
  }
}
