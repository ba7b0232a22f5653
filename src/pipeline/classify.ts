// Decides how a failure that ends a run is told: the exit code an administrator sees in Task
// Scheduler depends on it. The failures the program expects carry their kind (src/errors.ts);
// besides those, only a few socket failures of drivers are known. Anything else is a bug and is
// told as one (exit 1, with its stack in the log), never as an outage.
import type { DocumentErrorKind } from '../../adapters/types.js';
import {
  ClearnoxError,
  CredentialsRejectedError,
  ForbiddenError,
  NetworkError,
  RateLimitedError,
  ServerError,
  UnauthorizedError,
} from '../clearnox/errors.js';
import { ClearnoxSyncError, isErrorKind, type ErrorKind } from '../errors.js';

/** The operator stopped the run (Ctrl+C, or the service manager's SIGTERM). */
export class InterruptedError extends ClearnoxSyncError {
  override readonly name = 'InterruptedError';
  readonly kind = 'interrupted';
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
  }
}

// A document error that ends a run concerns the store as a whole (listing its folders, opening it).
const DOCUMENT_KIND: Record<DocumentErrorKind, ErrorKind> = {
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

export function abortKind(e: unknown): ErrorKind {
  if (e instanceof Error) {
    // Read from the error, not from its class, so that an error from another copy of a module
    // (a second bundle, an adapter built apart) is told the same.
    const kind: unknown = (e as { kind?: unknown }).kind;
    if (isErrorKind(kind)) return kind;
    if (e.name === 'DocumentError' && typeof kind === 'string' && Object.hasOwn(DOCUMENT_KIND, kind)) return DOCUMENT_KIND[kind as DocumentErrorKind];
    if (CUT_WITHOUT_CODE.test(e.message)) return 'unreachable';
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'unreachable';
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
