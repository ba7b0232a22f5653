import { abortKind } from '../pipeline/classify.js';
import type { AbortKind } from '../pipeline/report.js';
import { exitCodeOfKind, type ExitCode } from './exit-codes.js';

/** The command line cannot work as given (an option twice, a folder that cannot be created). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** How an error that escaped a command is classed: as a run classes the error that ends it. */
export function kindOfError(e: unknown): AbortKind {
  if (e instanceof UsageError) return 'config';
  // A file named on the command line that is not there (sandbox --entries).
  if ((e as NodeJS.ErrnoException | null)?.code === 'ENOENT') return 'config';
  return abortKind(e);
}

/** Exit code of an error that escaped a command (a run reports its own through the report). */
export function exitCodeForError(e: unknown): ExitCode {
  return exitCodeOfKind(kindOfError(e));
}
