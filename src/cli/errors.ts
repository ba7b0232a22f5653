import { ClearnoxSyncError, type ErrorKind } from '../errors.js';
import { abortKind } from '../pipeline/classify.js';
import { exitCodeOfKind, type ExitCode } from './exit-codes.js';

/** The command line cannot work as given (an option twice, a folder that cannot be created). */
export class UsageError extends ClearnoxSyncError {
  override readonly name = 'UsageError';
  readonly kind = 'config';
}

/** How an error that escaped a command is classed: as a run classes the error that ends it. */
export function kindOfError(e: unknown): ErrorKind {
  // A file named on the command line that is not there (sandbox --entries).
  if ((e as NodeJS.ErrnoException | null)?.code === 'ENOENT') return 'config';
  return abortKind(e);
}

/** Exit code of an error that escaped a command (a run reports its own through the report). */
export function exitCodeForError(e: unknown): ExitCode {
  return exitCodeOfKind(kindOfError(e));
}
