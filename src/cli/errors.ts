import { AdapterConfigError } from '../../adapters/types.js';
import { ClearnoxError, CredentialsRejectedError, NetworkError } from '../clearnox/errors.js';
import { MappingError } from '../mapping/errors.js';
import { EXIT } from './exit-codes.js';

/** Exit code of an error that escaped a command (a run reports its own through the report). */
export function exitCodeForError(e: unknown): number {
  if (e instanceof MappingError || e instanceof AdapterConfigError) return EXIT.USAGE;
  if (e instanceof CredentialsRejectedError || e instanceof NetworkError || e instanceof ClearnoxError) return EXIT.ABORTED;
  if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') return EXIT.USAGE;
  return EXIT.INTERNAL;
}
