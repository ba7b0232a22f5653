// Typed failures of the Clearnox API. Every error says whether repeating the same call can help
// (`retryable`), so the retry policy (http.ts) decides from the error alone. Messages are written
// for the integrator reading a log, and pass through redact() so no secret or token leaks.
import { ClearnoxSyncError, type ErrorKind } from '../errors.js';
import { redact } from '../secrets.js';
import { ApiErrorBodySchema, type ApiErrorCode } from './contract.js';

/** Which call failed: named in messages, and lets a retry policy treat uploads apart. */
export type Operation = 'token' | 'entries' | 'upload' | 'import';

const OPERATION_TEXT: Record<Operation, string> = {
  token: 'getting an access token',
  entries: 'listing the entries without a document',
  upload: 'sending an archive of documents',
  import: 'reading the state of an import',
};

/**
 * Clearnox refused or could not serve a call. Most are `refused` (exit 3: the next run asks
 * again); credentials Clearnox will not take are `credentials` (exit 5), since only a person
 * changing the connector's settings helps.
 */
export abstract class ClearnoxError extends ClearnoxSyncError {
  abstract readonly retryable: boolean;
  /** Server's wish (Retry-After) in milliseconds, when it expressed one. */
  readonly retryAfterMs?: number;

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(redact(message), options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** Whether a retry policy may repeat this error at all; for policies to share. */
export function isRetryable(err: unknown): err is ClearnoxError {
  return err instanceof ClearnoxError && err.retryable;
}

export interface ApiErrorInit {
  status: number;
  code: ApiErrorCode;
  serverMessage: string;
  operation: Operation;
  retryAfterMs?: number;
}

/** An answer of the API with an error body `{"error": {"code", "message"}}`. */
export abstract class ClearnoxApiError extends ClearnoxError {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly serverMessage: string;
  readonly operation: Operation;

  constructor(init: ApiErrorInit, advice: string) {
    const server = init.serverMessage ? ` Clearnox said: "${init.serverMessage}".` : '';
    super(
      `Clearnox answered ${init.status} ${init.code} while ${OPERATION_TEXT[init.operation]}.${server} ${advice}`,
      init.retryAfterMs === undefined ? undefined : { retryAfterMs: init.retryAfterMs },
    );
    this.status = init.status;
    this.code = init.code;
    this.serverMessage = redact(init.serverMessage);
    this.operation = init.operation;
  }
}

/** 400 INVALID_ARCHIVE / INVALID_METADATA / INVALID_PARAMETER: the request itself is wrong. */
export class InvalidRequestError extends ClearnoxApiError {
  override readonly name = 'InvalidRequestError';
  readonly retryable = false;
  readonly kind: ErrorKind;
  constructor(init: ApiErrorInit) {
    super(
      init,
      init.code === 'INVALID_PARAMETER'
        ? 'Check the filters (companyCode, dateFrom/dateTo as YYYY-MM-DD) and page size; repeating as is will fail again.'
        : 'Nothing was imported. The archive or its metadata.json breaks the contract; this is a bug of the tool, please report it with the log.',
    );
    // The filters come from the mapping file; an archive Clearnox finds malformed is the tool's bug.
    this.kind = init.code === 'INVALID_PARAMETER' ? 'config' : 'internal';
  }
}

/** 401 UNAUTHORIZED / TOKEN_EXPIRED that persisted after one fresh token. */
export class UnauthorizedError extends ClearnoxApiError {
  override readonly name = 'UnauthorizedError';
  readonly kind = 'credentials';
  readonly retryable = false;
  constructor(init: ApiErrorInit) {
    super(
      init,
      'A freshly issued token was refused as well. Check that the client is still enabled in Clearnox (Configure > Connector Configuration) and that this machine\'s clock is right.',
    );
  }
}

/** 403 FORBIDDEN: the credentials are valid but may not use the documents API. */
export class ForbiddenError extends ClearnoxApiError {
  override readonly name = 'ForbiddenError';
  readonly kind = 'credentials';
  readonly retryable = false;
  constructor(init: ApiErrorInit) {
    super(
      init,
      'These credentials may not use the documents API. Ask a Clearnox administrator to grant document import to this connector, or use the credentials of the right connector in the mapping file.',
    );
  }
}

/** 404 NOT_FOUND: unknown import id. */
export class NotFoundError extends ClearnoxApiError {
  override readonly name = 'NotFoundError';
  readonly kind = 'refused';
  readonly retryable = false;
  constructor(init: ApiErrorInit) {
    super(init, 'Clearnox does not know this import; it may belong to other credentials or be older than Clearnox keeps.');
  }
}

/** 409 IDEMPOTENCY_KEY_REUSED: the key was first used with another archive. */
export class IdempotencyKeyReusedError extends ClearnoxApiError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly kind = 'refused';
  readonly retryable = false;
  constructor(init: ApiErrorInit) {
    super(init, 'This Idempotency-Key was already used with a different archive in the last 24 hours; send this archive under a new key.');
  }
}

/** 413 ARCHIVE_TOO_LARGE: nothing imported; split the archive. */
export class ArchiveTooLargeError extends ClearnoxApiError {
  override readonly name = 'ArchiveTooLargeError';
  readonly kind = 'refused';
  readonly retryable = false;
  constructor(init: ApiErrorInit) {
    super(
      init,
      'Nothing was imported. Lower upload.maxArchiveMiB in the mapping file (API limits: 100 MiB and 1,000 documents per archive, 20 MiB per document) and run again.',
    );
  }
}

/** 429 RATE_LIMITED: over 10 requests a second or 2 imports at once. */
export class RateLimitedError extends ClearnoxApiError {
  override readonly name = 'RateLimitedError';
  readonly kind = 'refused';
  readonly retryable = true;
  constructor(init: ApiErrorInit) {
    const wait = init.retryAfterMs === undefined ? 'a moment' : `${Math.ceil(init.retryAfterMs / 1000)} s`;
    super(init, `Too many requests or imports at once for this account; wait ${wait} and repeat. Another tool using the same credentials may be running.`);
  }
}

/** 500 INTERNAL / 502-504 UNAVAILABLE: transient on Clearnox's side. */
export class ServerError extends ClearnoxApiError {
  override readonly name = 'ServerError';
  readonly kind = 'refused';
  readonly retryable = true;
  constructor(init: ApiErrorInit) {
    super(init, 'A transient failure on Clearnox\'s side; repeat later (an upload with the same Idempotency-Key, which cannot import twice).');
  }
}

/** 401 invalid_client at /oauth/token: repeating cannot help. */
export class CredentialsRejectedError extends ClearnoxError {
  override readonly name = 'CredentialsRejectedError';
  readonly kind = 'credentials';
  readonly retryable = false;
  readonly status: number;
  constructor(status: number, host: string, oauthError: string) {
    super(
      `Clearnox at ${host} rejected the client id or client secret (${status} ${oauthError}). ` +
        'Check clearnox.clientId and clearnox.clientSecret in the mapping file against Configure > Connector Configuration in Clearnox; the secret may have been regenerated.',
    );
    this.status = status;
  }
}

export type NetworkFailure = 'refused' | 'reset' | 'timeout' | 'dns' | 'tls' | 'plain-http' | 'other';

const NETWORK_ADVICE: Record<NetworkFailure, string> = {
  refused: 'the connection was refused: check the port in clearnox.baseUrl and that a firewall or proxy lets this machine through',
  reset: 'the connection was cut: check proxies and firewalls between this machine and Clearnox; an upload may or may not have been received',
  timeout: 'no answer in time: check the network and proxy (https_proxy/no_proxy), or raise clearnox.timeoutSeconds for slow lines',
  dns: 'the host name does not resolve: check the spelling of clearnox.baseUrl and this machine\'s DNS',
  tls: 'the TLS certificate was not accepted: a TLS-inspecting proxy needs its CA in NODE_EXTRA_CA_CERTS',
  'plain-http':
    'it does not speak HTTPS (TLS) on that port; check the port in clearnox.baseUrl (a web server or the sandbox may listen there) and its scheme; plain http:// is accepted only for this machine, as for the sandbox',
  other: 'check clearnox.baseUrl, the network and proxy settings (https_proxy/no_proxy)',
};

/** No HTTP answer at all: refused, reset, timed out, DNS or TLS failure. */
export class NetworkError extends ClearnoxError {
  override readonly name = 'NetworkError';
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly failure: NetworkFailure;
  readonly host: string;
  readonly operation: Operation;
  constructor(failure: NetworkFailure, host: string, operation: Operation, detail: string, cause?: unknown) {
    // A server did answer there, only not in TLS: "could not reach" would send the reader to the network.
    const head = failure === 'plain-http' ? `The server at ${host} answered in plain HTTP` : `Could not reach Clearnox at ${host}`;
    super(`${head} while ${OPERATION_TEXT[operation]} (${detail}): ${NETWORK_ADVICE[failure]}.`, { cause });
    this.failure = failure;
    this.host = host;
    this.operation = operation;
    // A wrong host name, a refused certificate or a port that speaks plain HTTP is configuration;
    // repeating will not help.
    this.retryable = failure !== 'dns' && failure !== 'tls' && failure !== 'plain-http';
    // A certificate that does not verify: the server did not prove it is Clearnox. A server that
    // answers plain HTTP proved nothing either, but what must change is the address.
    this.kind = failure === 'tls' ? 'untrusted' : failure === 'plain-http' ? 'config' : 'unreachable';
  }
}

/** An answer that the contract does not allow: unexpected status or body shape. */
export class ProtocolError extends ClearnoxError {
  override readonly name = 'ProtocolError';
  readonly kind = 'refused';
  readonly retryable = false;
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(
      `${message} This is not an answer the Clearnox API contract allows: check that clearnox.baseUrl points at the Clearnox API (not a web page or a proxy's login page).`,
    );
    if (status !== undefined) this.status = status;
  }
}

/** waitForImport gave up; the import may still complete on Clearnox's side. */
export class ImportTimeoutError extends ClearnoxError {
  override readonly name = 'ImportTimeoutError';
  readonly kind = 'refused';
  readonly retryable = true;
  readonly importId: string;
  readonly lastStatus: string;
  constructor(importId: string, waitedMs: number, lastStatus: string) {
    super(
      `Import ${importId} was still "${lastStatus}" after ${Math.round(waitedMs / 1000)} s. It may still complete: its documents will no longer be listed as missing on the next run.`,
    );
    this.importId = importId;
    this.lastStatus = lastStatus;
  }
}

type ApiErrorClass = new (init: ApiErrorInit) => ClearnoxApiError;

const CLASS_BY_CODE: Record<ApiErrorCode, ApiErrorClass> = {
  INVALID_ARCHIVE: InvalidRequestError,
  INVALID_METADATA: InvalidRequestError,
  INVALID_PARAMETER: InvalidRequestError,
  UNAUTHORIZED: UnauthorizedError,
  TOKEN_EXPIRED: UnauthorizedError,
  FORBIDDEN: ForbiddenError,
  NOT_FOUND: NotFoundError,
  IDEMPOTENCY_KEY_REUSED: IdempotencyKeyReusedError,
  ARCHIVE_TOO_LARGE: ArchiveTooLargeError,
  RATE_LIMITED: RateLimitedError,
  INTERNAL: ServerError,
  UNAVAILABLE: ServerError,
};

/**
 * The code implied by a status whose body is not the contract's error body: proxies and load
 * balancers answer 429/5xx with HTML, and those are still transient.
 */
function codeForBareStatus(status: number): ApiErrorCode | undefined {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 500) return 'INTERNAL';
  if (status === 502 || status === 503 || status === 504) return 'UNAVAILABLE';
  return undefined;
}

function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(CLASS_BY_CODE, code);
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP date has a day or month name; Date.parse alone would read "-3" as a year.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The typed error for a non-success answer of an API call (not /oauth/token). */
export function errorFromResponse(
  status: number,
  bodyText: string,
  retryAfterHeader: string | null,
  operation: Operation,
): ClearnoxApiError | ProtocolError {
  let code: string | undefined;
  let serverMessage = '';
  try {
    const parsed = ApiErrorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) {
      code = parsed.data.error.code;
      serverMessage = parsed.data.error.message;
    }
  } catch {
    // Not JSON: fall back on the status below.
  }
  // An unknown code (a newer API) is still classed by its status when the status says transient.
  const known = code !== undefined && isApiErrorCode(code) ? code : codeForBareStatus(status);
  if (known === undefined) {
    const what = code === undefined ? `a body that is not the contract's error body` : `the unknown error code ${code}`;
    return new ProtocolError(
      `Clearnox answered ${status} with ${what} while ${OPERATION_TEXT[operation]}${serverMessage ? ` ("${serverMessage}")` : ''}.`,
      status,
    );
  }
  const retryAfterMs = parseRetryAfter(retryAfterHeader);
  const Cls = CLASS_BY_CODE[known];
  return new Cls({ status, code: known, serverMessage, operation, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}
