// Client of the Clearnox documents API (docs/clearnox-api/README.md). Every HTTP exchange goes
// through `exchange`, which is where the RetryPolicy applies; the only repeat done here is the
// contract's "401: new token, repeat once".
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { z } from 'zod';
import { registerSecret } from '../secrets.js';
import {
  EntryPageSchema,
  ImportAcceptedSchema,
  ImportSchema,
  LIMITS,
  TokenResponseSchema,
  type Entry,
  type EntryPage,
  type Import,
} from './contract.js';
import {
  CredentialsRejectedError,
  ImportTimeoutError,
  ProtocolError,
  UnauthorizedError,
  errorFromResponse,
  parseRetryAfter,
  type Operation,
} from './errors.js';
import {
  UndiciTransport,
  joinUrl,
  parseBaseUrl,
  type HttpRequest,
  type HttpResponse,
  type RetryPolicy,
  type Transport,
} from './http.js';
import { fileFormBody } from './multipart-body.js';
import { RequestPacer } from './pacer.js';
import { transientRetry } from './retry.js';
import { TokenProvider } from './token.js';

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ClearnoxClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** One HTTP exchange, an archive upload included. Default 120 s (the mapping file's default). */
  timeoutMs?: number;
  userAgent?: string;
  log?: Logger;
  /** Replaces undici (tests); the default honours http_proxy/https_proxy/no_proxy. */
  transport?: Transport;
  /** Wraps every exchange; default `transientRetry({ repeats: retries })`. */
  retryPolicy?: RetryPolicy;
  /** Repeats of a call failed for a transient reason (429, 5xx, connection); default 5. */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Requests started in any one second; default the contract's 10. */
  requestsPerSecond?: number;
}

export interface EntryFilters {
  companyCode?: string;
  dateFrom?: string;
  dateTo?: string;
}

export interface ListOptions {
  pageSize?: number;
  /** Called after each page is read; pages come last to first after page 1 (see listMissingEntries). */
  onPage?: (page: number, totalPages: number) => void;
  /** Stops the listing, a wait before a repeat included. */
  signal?: AbortSignal;
}

export interface WaitOptions {
  /** Give up (ImportTimeoutError) after this long. Default 10 min. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_WAIT_MS = 10 * 60_000;
const POLL_FIRST_MS = 250;
const POLL_MAX_MS = 5_000;
/** Full passes over the list when it grows while being read; see listMissingEntries. */
const MAX_LIST_PASSES = 3;
const PAGES_PATH = 'api/v1/entries/without-document';
const IMPORTS_PATH = 'api/v1/documents/imports';
// Printable ASCII without edge spaces: anything else is refused by fetch as a header value.
const IDEMPOTENCY_KEY = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

const noLog: Logger = { debug() {}, info() {}, warn() {} };
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** "data[3].amount: Invalid input" for the first few problems, so a log names the field. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => {
      const path = i.path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');
      return `${path || '(whole body)'}: ${i.message}`;
    })
    .join('; ');
}

function parseBody<S extends z.ZodType>(res: HttpResponse, schema: S, what: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    throw new ProtocolError(`Clearnox answered ${res.status} to ${what} with a body that is not JSON.`, res.status);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ProtocolError(`Clearnox's answer to ${what} does not match the contract: ${describeIssues(parsed.error)}.`, res.status);
  }
  return parsed.data;
}

/** Non-success statuses become typed errors; a 3xx names where it pointed (a wrong baseUrl). */
function expectStatus(res: HttpResponse, ok: readonly number[], operation: Operation, what: string): void {
  if (ok.includes(res.status)) return;
  if (res.status >= 300 && res.status < 400) {
    const to = res.headers.get('location');
    throw new ProtocolError(`Clearnox answered ${res.status} to ${what}, redirecting to ${to ?? '(nowhere)'}; set clearnox.baseUrl to the final address.`, res.status);
  }
  if (res.status < 300) throw new ProtocolError(`Clearnox answered ${res.status} to ${what} instead of ${ok.join('/')}.`, res.status);
  throw errorFromResponse(res.status, res.body, res.headers.get('retry-after'), operation);
}

export class ClearnoxClient {
  private readonly base: URL;
  private readonly transport: Transport;
  private readonly retry: RetryPolicy;
  private readonly log: Logger;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly tokens: TokenProvider;
  private readonly pacer: RequestPacer;

  constructor(private readonly opts: ClearnoxClientOptions) {
    registerSecret(opts.clientSecret);
    this.base = parseBaseUrl(opts.baseUrl);
    this.log = opts.log ?? noLog;
    this.sleep = opts.sleep ?? realSleep;
    this.retry = opts.retryPolicy ?? transientRetry(opts.retries === undefined ? {} : { repeats: opts.retries });
    this.transport =
      opts.transport ??
      new UndiciTransport({
        timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        userAgent: opts.userAgent ?? `clearnox-sync (node ${process.version})`,
      });
    this.tokens = new TokenProvider(() => this.requestToken());
    // Real time, not the injectable sleep: the limit is the server's wall clock.
    this.pacer = new RequestPacer(opts.requestsPerSecond ?? LIMITS.requestsPerSecond, realSleep);
  }

  /**
   * Every entry without a document, deduplicated by id, read before anything is uploaded.
   *
   * Why last page to first: an entry leaves the live list when a document is attached (by us in
   * an earlier run, or by someone else right now), and every later entry moves one place towards
   * the front. Read front to back, an entry that moves from the next page onto the one just
   * read is never seen. Read back to front, entries only move towards pages not yet read, so
   * none is skipped. Page 1 is read first only to learn totalPages, and read again last,
   * because entries may have moved onto it meanwhile. Reading the same entry twice (it moved
   * onto the next page we read) is harmless: results are keyed by id.
   *
   * Entries added meanwhile move entries towards the back instead, which that argument does
   * not cover; when totalItems grows between two reads, the pass is repeated (at most 3).
   * An entry read here may get a document from someone else before we upload: the import then
   * rejects it with ENTRY_ALREADY_HAS_DOCUMENT, which is the contract's way to say so.
   */
  async listMissingEntries(filters: EntryFilters = {}, opts: ListOptions = {}): Promise<Entry[]> {
    const pageSize = opts.pageSize ?? LIMITS.pageSizeMax;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > LIMITS.pageSizeMax) {
      throw new RangeError(`pageSize must be an integer from 1 to ${LIMITS.pageSizeMax}, not ${pageSize}`);
    }
    const byId = new Map<string, Entry>();
    const read = async (page: number, totalPages?: number): Promise<EntryPage> => {
      const result = await this.getPage(page, pageSize, filters, opts.signal);
      for (const e of result.data) byId.set(e.id, e);
      opts.onPage?.(page, totalPages ?? result.totalPages);
      return result;
    };

    let first = await read(1);
    for (let pass = 1; ; pass++) {
      const totalPages = first.totalPages;
      if (totalPages <= 1) break;
      let previous = first.totalItems;
      let grew = false;
      for (let p = totalPages; p >= 1; p--) {
        const r = await read(p, totalPages);
        if (r.totalItems > previous) grew = true;
        previous = r.totalItems;
        if (p === 1) first = r;
      }
      if (!grew) break;
      if (pass >= MAX_LIST_PASSES) {
        this.log.warn({ passes: pass, entries: byId.size }, 'the list of entries kept growing while being read; entries added meanwhile may be missed until the next run');
        break;
      }
      this.log.info({ pass }, 'entries were added while the list was read; reading it again');
    }
    this.log.debug({ entries: byId.size, pageSize }, 'read the entries without a document');
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Sends one ZIP; the archive is streamed from disk, and re-opened if the call is repeated. */
  async uploadArchive(archivePath: string, idempotencyKey: string, signal?: AbortSignal): Promise<{ importId: string; status: string }> {
    if (idempotencyKey.length > LIMITS.idempotencyKeyLength || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new RangeError(`Idempotency-Key must be 1 to ${LIMITS.idempotencyKeyLength} printable ASCII characters`);
    }
    const fileName = basename(archivePath);
    const { size } = await stat(archivePath); // fails early and plainly when the archive is missing
    const url = joinUrl(this.base, IMPORTS_PATH);
    const what = `the upload of ${fileName}`;
    this.log.debug({ fileName, bytes: size }, 'sending archive');
    const accepted = await this.authorized(
      (token) => ({
        operation: 'upload',
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': idempotencyKey },
        idempotencyKey,
        finishOnceSent: true,
        // Streamed from disk with a known Content-Length (test/clearnox/multipart-memory.test.ts
        // measures the memory), and measured afresh for each send.
        body: () => fileFormBody(archivePath, { name: 'file', fileName, contentType: 'application/zip' }),
      }),
      (res) => {
        // A replay of an idempotent key may answer with the existing import rather than 202.
        expectStatus(res, [200, 201, 202], 'upload', what);
        return parseBody(res, ImportAcceptedSchema, what);
      },
      signal,
    );
    this.log.debug({ fileName, importId: accepted.importId, status: accepted.status }, 'archive accepted');
    return { importId: accepted.importId, status: accepted.status };
  }

  async getImport(importId: string, signal?: AbortSignal): Promise<Import> {
    return (await this.fetchImport(importId, signal)).value;
  }

  /** Polls until completed or failed: 250 ms doubling to 5 s, or the server's Retry-After. */
  async waitForImport(importId: string, opts: WaitOptions = {}): Promise<Import> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const started = Date.now();
    let delay = POLL_FIRST_MS;
    for (;;) {
      const { value, retryAfterMs } = await this.fetchImport(importId, opts.signal);
      if (value.status !== 'processing') return value;
      const remaining = started + timeoutMs - Date.now();
      if (remaining <= 0) throw new ImportTimeoutError(importId, Date.now() - started, value.status);
      await this.abortableSleep(Math.min(retryAfterMs ?? delay, remaining), opts.signal);
      delay = Math.min(delay * 2, POLL_MAX_MS);
    }
  }

  async close(): Promise<void> {
    await this.transport.close?.();
  }

  /** One page of the entries without a document, as Clearnox answers it (`check` reads page 1 for its totalItems). */
  async getPage(page: number, pageSize: number, filters: EntryFilters, signal?: AbortSignal): Promise<EntryPage> {
    const url = joinUrl(this.base, PAGES_PATH, { page, pageSize, ...filters });
    const what = `the request for page ${page} of the entries`;
    const result = await this.authorized(
      (token) => ({ operation: 'entries', method: 'GET', url, headers: { authorization: `Bearer ${token}` } }),
      (res) => {
        expectStatus(res, [200], 'entries', what);
        return parseBody(res, EntryPageSchema, what);
      },
      signal,
    );
    if (result.page !== page) throw new ProtocolError(`Clearnox answered page ${result.page} when asked for page ${page}.`);
    return result;
  }

  private async fetchImport(importId: string, signal?: AbortSignal): Promise<{ value: Import; retryAfterMs?: number }> {
    const url = joinUrl(this.base, `${IMPORTS_PATH}/${encodeURIComponent(importId)}`);
    const what = `the request for import ${importId}`;
    return this.authorized(
      (token) => ({ operation: 'import', method: 'GET', url, headers: { authorization: `Bearer ${token}` } }),
      (res) => {
        expectStatus(res, [200], 'import', what);
        const value = parseBody(res, ImportSchema, what);
        if (value.importId !== importId) throw new ProtocolError(`Clearnox answered with import ${value.importId} when asked for ${importId}.`);
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        return retryAfterMs === undefined ? { value } : { value, retryAfterMs };
      },
      signal,
    );
  }

  /** The contract's rule: a 401 at any call (tokens may be revoked early) gets one fresh token and one repeat. */
  private async authorized<T>(build: (token: string) => HttpRequest, parse: (res: HttpResponse) => T, signal?: AbortSignal): Promise<T> {
    const token = await this.tokens.get();
    try {
      return await this.exchange(build(token), parse, signal);
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
      this.log.warn({ code: err.code, operation: err.operation }, 'access token refused; getting a new one and repeating the call once');
      this.tokens.invalidate(token);
      return await this.exchange(build(await this.tokens.get()), parse, signal);
    }
  }

  private async requestToken(): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const url = joinUrl(this.base, 'oauth/token');
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.opts.clientId, client_secret: this.opts.clientSecret });
    const what = 'the token request';
    const token = await this.exchange(
      { operation: 'token', method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: async () => form.toString() },
      (res) => {
        if (res.status === 400 || res.status === 401) {
          const oauthError = oauthErrorOf(res.body);
          // RFC 6749 lets a server refuse client authentication with 400 or 401.
          if (res.status === 401 || oauthError === 'invalid_client') {
            throw new CredentialsRejectedError(res.status, url.host, oauthError ?? 'no OAuth error code');
          }
          throw new ProtocolError(`Clearnox refused the token request with 400 ${oauthError ?? '(no OAuth error code)'}.`, 400);
        }
        expectStatus(res, [200], 'token', what);
        return parseBody(res, TokenResponseSchema, what);
      },
    );
    if (token.token_type.toLowerCase() !== 'bearer') {
      throw new ProtocolError(`Clearnox issued a token of type "${token.token_type}" where the contract says Bearer.`);
    }
    this.log.debug({ expiresIn: token.expires_in }, 'obtained an access token');
    return { accessToken: token.access_token, expiresInSeconds: token.expires_in };
  }

  /** The single place every HTTP exchange passes; the retry policy wraps it. */
  private exchange<T>(request: HttpRequest, parse: (res: HttpResponse) => T, signal?: AbortSignal): Promise<T> {
    return this.retry.run(
      async (attempt) => {
        await this.pacer.slot();
        const started = Date.now();
        const res = await this.transport.send(request, request.finishOnceSent ? undefined : signal);
        this.log.debug(
          { operation: request.operation, method: request.method, path: request.url.pathname + request.url.search, status: res.status, ms: Date.now() - started, attempt },
          'clearnox exchange',
        );
        return parse(res);
      },
      {
        operation: request.operation,
        sleep: (ms) => this.abortableSleep(ms, signal),
        onRetry: (error, next) =>
          this.log.warn(
            { operation: request.operation, status: (error as { status?: number }).status, repeat: next.repeat, waitMs: next.waitMs },
            `${error.message} Repeating in ${(next.waitMs / 1000).toFixed(1)} s (${next.repeat} of ${next.repeats}${request.idempotencyKey === undefined ? '' : ', same Idempotency-Key'}).`,
          ),
        ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
      },
    );
  }

  private async abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal) return this.sleep(ms);
    signal.throwIfAborted();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.sleep(ms), aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }
}

function oauthErrorOf(body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error;
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}
