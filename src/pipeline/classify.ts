// Decides whether a failure ends the run and how it is told: the exit code an administrator
// sees in Task Scheduler depends on it. Only the failures listed here are expected; anything else
// is a bug and is told as one (exit 1, with its stack in the log), never as an outage.
import { DatabaseUnreachableError } from '../../adapters/database/errors.js';
import { ConnectionLost } from '../../adapters/documents/sftp/connection.js';
import {
  AdapterConfigError,
  CredentialsRefusedError,
  DocumentError,
  UntrustedServerError,
  type DocumentErrorKind,
} from '../../adapters/types.js';
import {
  ClearnoxError,
  CredentialsRejectedError,
  ForbiddenError,
  InvalidRequestError,
  NetworkError,
  RateLimitedError,
  ServerError,
  UnauthorizedError,
} from '../clearnox/errors.js';
import { MappingError } from '../mapping/errors.js';
import { SourceShapeError } from './lookup.js';
import { RunBusyError } from './run-state.js';
import type { AbortKind } from './report.js';

/** The operator stopped the run (Ctrl+C, or the service manager's SIGTERM). */
export class InterruptedError extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

// A document error that ends a run concerns the store as a whole (listing its folders, opening it).
const DOCUMENT_KIND: Record<DocumentErrorKind, AbortKind> = {
  connection_lost: 'unreachable',
  unreadable: 'unreachable',
  not_found: 'config',
  permission_denied: 'config',
  outside_root: 'config',
};

// Socket failures some drivers report without a class of their own: an outage, not a bug.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'ECONNCLOSED',
  'ESOCKET',
]);
// node-postgres tells a connection the server dropped in words only.
const CUT_WITHOUT_CODE = /^Connection terminated( unexpectedly)?$/;

export function abortKind(e: unknown): AbortKind {
  if (e instanceof InterruptedError) return 'interrupted';
  if (e instanceof RunBusyError) return 'busy';
  if (e instanceof AdapterConfigError || e instanceof SourceShapeError || e instanceof MappingError) return 'config';
  if (e instanceof CredentialsRefusedError || e instanceof CredentialsRejectedError) return 'credentials';
  // A token refused right after it was issued, or credentials that may not use the documents API:
  // the connector's settings in Clearnox must change.
  if (e instanceof UnauthorizedError || e instanceof ForbiddenError) return 'credentials';
  if (e instanceof UntrustedServerError) return 'untrusted';
  if (e instanceof NetworkError) return e.failure === 'tls' ? 'untrusted' : 'unreachable';
  if (e instanceof DatabaseUnreachableError || e instanceof ConnectionLost) return 'unreachable';
  if (e instanceof DocumentError) return DOCUMENT_KIND[e.kind];
  // The filters come from the mapping file; an archive Clearnox finds malformed is the tool's bug.
  if (e instanceof InvalidRequestError) return e.code === 'INVALID_PARAMETER' ? 'config' : 'internal';
  if (e instanceof ClearnoxError) return 'refused';
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'unreachable';
  if (e instanceof Error && CUT_WITHOUT_CODE.test(e.message)) return 'unreachable';
  return 'internal';
}

/** Upload failures after which sending the next archive is pointless. */
export function stopsTheRun(e: unknown): boolean {
  return (
    e instanceof NetworkError ||
    e instanceof CredentialsRejectedError ||
    e instanceof ForbiddenError ||
    e instanceof UnauthorizedError ||
    e instanceof RateLimitedError ||
    e instanceof ServerError ||
    !(e instanceof ClearnoxError)
  );
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
