// The one way the client talks HTTP, through two seams:
// - Transport: sends one request, returns the status, headers and body text, or throws a
//   NetworkError. Tests replace it; the default one is undici's request() through the proxy and
//   with the certificates the mapping file or the environment give (proxy.ts).
// - RetryPolicy: wraps every exchange and sees typed errors (retryable, retryAfterMs) and the
//   operation; the default one is `transientRetry` (retry.ts).
import type { Dispatcher } from 'undici';
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { NetworkSection } from '../mapping/sections/network.js';
import { NetworkError, type ClearnoxError, type NetworkFailure, type Operation, type ProxyRoute } from './errors.js';
import { dispatcherFor, type Route } from './proxy.js';
import { FileChangedError, type StreamedBody } from './multipart-body.js';

export type { StreamedBody } from './multipart-body.js';

export interface HttpRequest {
  operation: Operation;
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  /**
   * Built afresh for every send, so that a repeat (fresh token, or a retry) re-opens the
   * archive instead of re-sending a consumed stream.
   */
  body?: () => Promise<string | StreamedBody>;
  /** Set for uploads: a retry must reuse it so Clearnox cannot import twice. */
  idempotencyKey?: string;
  /**
   * Not cut by the run's stop signal once sent (uploads): an archive cut halfway leaves nobody
   * knowing whether it was imported. The wait before a repeat is cut short all the same.
   */
  finishOnceSent?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
}

export interface Transport {
  send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse>;
  close?(): Promise<void>;
}

export interface RetryContext {
  operation: Operation;
  idempotencyKey?: string;
  /** Waits, or rejects when the run is stopped meanwhile. */
  sleep: (ms: number) => Promise<void>;
  /** Told before each repeat, so that the log says what failed and when it is tried again. */
  onRetry?: (error: ClearnoxError, next: { repeat: number; repeats: number; waitMs: number }) => void;
}

/**
 * Runs `attempt` (one HTTP exchange that throws typed ClearnoxErrors) as often as it sees fit.
 * A policy must only repeat errors with `retryable: true`.
 */
export interface RetryPolicy {
  run<T>(attempt: (attemptNumber: number) => Promise<T>, context: RetryContext): Promise<T>;
}

/**
 * Parses baseUrl once; a path prefix (https://host/clearnox/) is kept and a trailing slash
 * added, so relative joins land below it instead of replacing its last segment.
 */
export function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`clearnox.baseUrl "${baseUrl}" is not a URL; write it like https://api.clearnox.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`clearnox.baseUrl "${baseUrl}" must start with https:// (or http:// for a test server)`);
  }
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** `path` is relative to the API root ("api/v1/…"); query values that are undefined are left out. */
export function joinUrl(base: URL, path: string, query?: Record<string, string | number | undefined>): URL {
  const url = new URL(path.replace(/^\/+/, ''), base);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

const LOCAL_FILE_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'EMFILE', 'EIO']);

function classify(code: string | undefined, name: string | undefined): NetworkFailure {
  if (name === 'TimeoutError') return 'timeout';
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'ENOTFOUND':
      return 'dns';
    case 'EAI_AGAIN':
      // A temporary resolver failure: retryable, unlike a name that does not exist.
      return 'other';
  }
  // OpenSSL reading an HTTP answer as a TLS record: the port speaks plain HTTP.
  if (code && /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG/.test(code)) return 'plain-http';
  // UND_ERR_PRX_TLS: an https:// proxy's own certificate names another host.
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|UND_ERR_PRX_TLS/.test(code)) return 'tls';
  return 'other';
}

/** undici's words when the proxy answers the tunnel request (CONNECT) with anything but 200. */
const TUNNEL_REFUSED = /^Proxy response \((\d{3})\) !== 200/;

/**
 * The status a proxy answered the tunnel request with (407, 403, 502...), from what undici threw
 * (request()'s error, or fetch's TypeError with it as `cause`); undefined for any other failure.
 */
export function tunnelStatus(err: unknown): number | undefined {
  // fetch wraps it twice: TypeError('fetch failed') <- DOMException (cancelled) <- undici's error.
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const m = TUNNEL_REFUSED.exec(e.message);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * Turns what undici threw into a NetworkError, or rethrows the caller's own abort. `proxy`: the
 * proxy the call went through, which the error then names when the failure is its own.
 */
export function toNetworkError(err: unknown, url: URL, operation: Operation, callerSignal?: AbortSignal, proxy?: ProxyRoute): never {
  if (callerSignal?.aborted) throw callerSignal.reason;
  // Some wrap the socket error (fetch's TypeError('fetch failed')) with the real one as `cause`.
  const cause = (err as { cause?: unknown } | undefined)?.cause ?? err;
  // The archive vanished or changed while being sent: a local failure, said as such.
  if (cause instanceof FileChangedError || LOCAL_FILE_CODES.has(errorCode(cause) ?? '')) throw cause;
  const status = proxy ? tunnelStatus(err) : undefined;
  if (status !== undefined) {
    const failure: NetworkFailure = status === 407 ? 'proxy-auth' : status >= 502 && status <= 504 ? 'proxy-gateway' : 'proxy-denied';
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const detail = `it answered ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''} to CONNECT ${url.hostname}:${port}`;
    throw new NetworkError(failure, url.host, operation, detail, cause, proxy);
  }
  const name = (err as { name?: string } | undefined)?.name;
  const code = errorCode(cause) ?? errorCode(err);
  const failure = classify(code, name === 'TimeoutError' ? name : (cause as { name?: string })?.name);
  const detail = code ?? (err instanceof Error ? err.message : String(err));
  throw new NetworkError(failure, url.host, operation, detail, cause, proxy);
}

export interface UndiciTransportOptions {
  /** Whole exchange, upload included; also undici's headers/body timeouts. */
  timeoutMs: number;
  userAgent?: string;
  /**
   * The clearnox section's proxy, caFile and systemCertificates, and the folder its paths are
   * relative to; without it, HTTPS_PROXY/HTTP_PROXY/NO_PROXY and Node's certificates apply.
   */
  network?: { section: NetworkSection; baseDir: string };
  /** Replaces the routing (tests): every call goes through it, and it is not closed here. */
  dispatcher?: Dispatcher;
}

/**
 * request() heeds its signal only once it has a connection (undici #386): a proxy that drops the
 * tunnel it was asked for would hold the call past every timeout and the run's stop. Like fetch,
 * give up when the signal fires; an answer that comes after that is thrown away.
 */
function settledOnAbort(pending: Promise<Dispatcher.ResponseData>, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (res) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) res.body.destroy();
        else resolve(res);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** IncomingHttpHeaders (lower-case names) read the way the callers read fetch's Headers. */
function headerReader(headers: IncomingHttpHeaders): HttpResponse['headers'] {
  return {
    get(name: string) {
      const value = headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * undici's dispatcher (Node 20's global fetch ignores proxies) through its request() API rather
 * than its fetch: fetch passes an upload through Web Streams chunk by chunk, which took twice
 * curl's time to send an archive (bench/upload.bench.ts). request() never follows a redirect:
 * a 3xx comes back as an answer, which the client reports with where it points, and the bearer
 * token goes nowhere else. Response bodies are small JSON, read whole.
 */
export class UndiciTransport implements Transport {
  private readonly network: ReturnType<typeof dispatcherFor> | undefined;

  constructor(private readonly opts: UndiciTransportOptions) {
    this.network = opts.dispatcher ? undefined : dispatcherFor(opts.network?.section, opts.network?.baseDir ?? process.cwd(), { timeoutMs: opts.timeoutMs });
  }

  private route(url: URL): Route {
    return this.network ? this.network.route(url) : { dispatcher: this.opts.dispatcher! };
  }

  async send(request: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    // Outside the try: a missing archive is the caller's problem, not a network failure.
    const body = request.body ? await request.body() : undefined;
    const headers: Record<string, string> = { 'user-agent': this.opts.userAgent ?? `clearnox-sync (node ${process.version})`, accept: 'application/json', ...request.headers };
    if (body !== undefined && typeof body !== 'string') {
      headers['content-type'] = body.contentType;
      headers['content-length'] = String(body.contentLength);
    }
    const route = this.route(request.url);
    try {
      const pending = route.dispatcher.request({
        origin: request.url.origin,
        path: request.url.pathname + request.url.search,
        method: request.method,
        headers,
        // Bytes, not objects: a Readable.from of 1 MiB objects would read 16 of them ahead.
        body: typeof body === 'string' || body === undefined ? body : Readable.from(body.chunks, { objectMode: false }),
        signal: combined,
      });
      const res = await settledOnAbort(pending, combined);
      const text = await res.body.text();
      return { status: res.statusCode, headers: headerReader(res.headers), body: text };
    } catch (err) {
      return toNetworkError(err, request.url, request.operation, signal, route.proxy);
    }
  }

  async close(): Promise<void> {
    await this.network?.close();
  }
}
