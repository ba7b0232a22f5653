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

export type NetworkFailure =
  | 'refused'
  | 'reset'
  | 'timeout'
  | 'dns'
  | 'tls'
  | 'plain-http'
  | 'other'
  /** The proxy answered the tunnel request with 407. */
  | 'proxy-auth'
  /** The proxy would not open a tunnel to Clearnox (403 and other refusals). */
  | 'proxy-denied'
  /** The proxy could not reach Clearnox itself (502-504). */
  | 'proxy-gateway';

/** The proxy a call went through, as messages name it: never its credentials. */
export interface ProxyRoute {
  /** Its address without user name or password, e.g. http://proxy.corp.example:3128. */
  proxy: string;
  /** Where it was set: clearnox.proxy.url or the variable that named it (HTTPS_PROXY, ...). */
  from: string;
  /** Credentials were sent, so a 407 refuses them rather than asks for them. */
  withCredentials: boolean;
}

// Whatever the cause, the answer is to trust the right CA: never to stop checking certificates.
const TLS_ADVICE =
  "a TLS-inspecting proxy or firewall may be replacing Clearnox's certificate with its own: give its CA certificate (PEM) as clearnox.caFile, or set clearnox.systemCertificates: true when that CA is in this machine's certificate store";

const NETWORK_ADVICE: Record<NetworkFailure, string> = {
  refused: 'the connection was refused: check the port in clearnox.baseUrl and that a firewall or proxy lets this machine through',
  reset: 'the connection was cut: check proxies and firewalls between this machine and Clearnox; an upload may or may not have been received',
  timeout: 'no answer in time: check the network and proxy (clearnox.proxy, or HTTPS_PROXY/NO_PROXY), or raise clearnox.timeoutSeconds for slow lines',
  dns: 'the host name does not resolve: check the spelling of clearnox.baseUrl and this machine\'s DNS',
  tls: `the TLS certificate was not accepted: ${TLS_ADVICE}`,
  'plain-http':
    'it does not speak HTTPS (TLS) on that port; check the port in clearnox.baseUrl (a web server or the sandbox may listen there) and its scheme; plain http:// is accepted only for this machine, as for the sandbox',
  other: 'check clearnox.baseUrl, the network and proxy settings (clearnox.proxy, or HTTPS_PROXY/NO_PROXY)',
  // Only a proxy answers these; see proxyMessage.
  'proxy-auth': '',
  'proxy-denied': '',
  'proxy-gateway': '',
};

/** Where the proxy's address is set, for "change it there". */
function proxyKey(route: ProxyRoute): string {
  return route.from.startsWith('clearnox.') ? route.from : `the variable ${route.from}`;
}

/**
 * The message when the failure is the proxy's: connecting to it (a refused or unknown proxy is
 * never Clearnox's fault, since only the proxy is connected to), its answer to the tunnel request,
 * or a certificate replaced on the way.
 */
function proxyMessage(failure: NetworkFailure, host: string, operation: Operation, detail: string, route: ProxyRoute): string | undefined {
  const proxy = `the proxy ${route.proxy} (from ${route.from})`;
  const doing = `while ${OPERATION_TEXT[operation]} from Clearnox at ${host}`;
  const head = `${proxy[0]!.toUpperCase()}${proxy.slice(1)}`;
  switch (failure) {
    case 'refused':
      return `${head} refused the connection ${doing} (${detail}): check the proxy's address and port in ${proxyKey(route)}, that the proxy is running, and that a firewall lets this machine reach it.`;
    case 'dns':
      return `The host name of ${proxy} does not resolve ${doing} (${detail}): check its spelling in ${proxyKey(route)} and this machine's DNS.`;
    case 'timeout':
      return `No answer in time through ${proxy} ${doing} (${detail}): check that the proxy is running and reaches ${host}, or raise clearnox.timeoutSeconds for slow lines.`;
    case 'proxy-auth': {
      const fromKey = route.from.startsWith('clearnox.');
      if (route.withCredentials) {
        const which = fromKey ? 'clearnox.proxy.username and clearnox.proxy.password' : `the user name and password in ${proxyKey(route)} (URL-encoded)`;
        return `${head} refused the credentials it was given ${doing} (${detail}): check ${which} with the proxy's administrator.`;
      }
      const where = fromKey ? '' : ` in the mapping file, with clearnox.proxy.url, instead of ${route.from}`;
      return `${head} asked for authentication ${doing} (${detail}): set clearnox.proxy.username and clearnox.proxy.password${where} (the password as a reference such as \${env:PROXY_PASSWORD}).`;
    }
    case 'proxy-denied':
      return `${head} would not open a connection to ${host} ${doing} (${detail}): ask the proxy's administrator to allow ${host} for this machine, or list ${host} in clearnox.proxy.noProxy if it is reached without the proxy.`;
    case 'proxy-gateway':
      return `${head} could not reach ${host} ${doing} (${detail}): the proxy is up but Clearnox is out of its reach; the next run tries again.`;
    case 'tls':
      // An https:// proxy's own certificate is checked first, against the same list.
      return route.proxy.startsWith('https:')
        ? `The TLS certificate of ${proxy}, or of Clearnox at ${host} through it, was not accepted ${doing} (${detail}): the proxy's own may be signed by the company's CA, or a TLS-inspecting proxy may be replacing Clearnox's: give that CA's certificate (PEM) as clearnox.caFile, or set clearnox.systemCertificates: true when it is in this machine's certificate store.`
        : `The TLS certificate of Clearnox at ${host}, received through ${proxy}, was not accepted ${doing} (${detail}): ${TLS_ADVICE}.`;
    default:
      return undefined;
  }
}

/** No HTTP answer at all: refused, reset, timed out, DNS or TLS failure, or a proxy that would not let the call through. */
export class NetworkError extends ClearnoxError {
  override readonly name = 'NetworkError';
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly failure: NetworkFailure;
  readonly host: string;
  readonly operation: Operation;
  /** The proxy the call went through, when it did. */
  readonly proxy?: ProxyRoute;
  constructor(failure: NetworkFailure, host: string, operation: Operation, detail: string, cause?: unknown, proxy?: ProxyRoute) {
    // A server did answer there, only not in TLS: "could not reach" would send the reader to the network.
    const head = failure === 'plain-http' ? `The server at ${host} answered in plain HTTP` : `Could not reach Clearnox at ${host}`;
    super((proxy && proxyMessage(failure, host, operation, detail, proxy)) ?? `${head} while ${OPERATION_TEXT[operation]} (${detail}): ${NETWORK_ADVICE[failure]}.`, { cause });
    this.failure = failure;
    this.host = host;
    this.operation = operation;
    if (proxy) this.proxy = proxy;
    // A wrong host name, a refused certificate or a port that speaks plain HTTP is configuration;
    // repeating will not help. Nor does it when the proxy refuses the credentials or the tunnel.
    this.retryable = failure === 'refused' || failure === 'reset' || failure === 'timeout' || failure === 'other' || failure === 'proxy-gateway';
    this.kind = NetworkError.kindOf(failure, proxy);
  }

  // A certificate that does not verify: the server did not prove it is Clearnox. A server that
  // answers plain HTTP proved nothing either, but what must change is the address. A proxy that
  // refuses the credentials or this machine needs a person, as a refused secret does; one that
  // asks for credentials none were given for needs them in the mapping file.
  private static kindOf(failure: NetworkFailure, proxy: ProxyRoute | undefined): ErrorKind {
    switch (failure) {
      case 'tls':
        return 'untrusted';
      case 'plain-http':
        return 'config';
      case 'proxy-auth':
        return proxy?.withCredentials ? 'credentials' : 'config';
      case 'proxy-denied':
        return 'credentials';
      default:
        return 'unreachable';
    }
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
