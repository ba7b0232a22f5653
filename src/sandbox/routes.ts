// The sandbox's request router. Order of checks on an API call: count it, serve an injected
// fault, authenticate, rate-limit, then the route itself — so an injected 503 is seen even by a
// client whose token has expired, as a failing gateway would be.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, handleToken, type Credentials } from './auth.js';
import type { SandboxControl } from './control.js';
import type { FaultInjector, FaultRoute } from './faults.js';
import { FAULT_ROUTES } from './faults.js';
import { mediaType, readSmallBody, sendApiError, sendJson, sendOAuthError } from './http.js';
import { handleCreateImport, type ImportRouteContext } from './import-route.js';
import { discardRest } from './multipart.js';
import type { RateLimiter } from './rate-limit.js';
import { isoSeconds, type EntryFilter, type RequestCounts } from './store.js';

export interface RouterContext extends ImportRouteContext {
  faults: FaultInjector;
  rateLimiter: RateLimiter | null;
  credentials: Credentials;
  tokenTtlSeconds: number;
  /** Retry-After (seconds) on a poll of a processing import; null sends none. */
  pollRetryAfterSeconds: number | null;
  control: SandboxControl;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

const IMPORT_PATH = /^\/api\/v1\/documents\/imports\/([^/]+)$/;

export function createRouter(ctx: RouterContext): (req: IncomingMessage, res: ServerResponse) => void {
  const api = (route: FaultRoute, counter: keyof RequestCounts, handler: Handler): Handler => {
    return async (req, res, url) => {
      ctx.store.requests[counter] += 1;
      if (serveFault(res, route)) return;
      if (ctx.faults.takeLostAnswer(route)) loseAnswer(req, res);
      const token = authenticate(req, res, ctx.store);
      if (token === null) return;
      const wait = ctx.rateLimiter?.retryAfter(token);
      if (wait != null) {
        return sendApiError(res, 429, 'RATE_LIMITED', 'over the request rate limit', { 'retry-after': String(wait) });
      }
      await handler(req, res, url);
    };
  };

  const serveFault = (res: ServerResponse, route: FaultRoute): boolean => {
    const fault = ctx.faults.take(route);
    if (!fault) return false;
    const headers: Record<string, string> = fault.status === 429 || fault.status === 503 ? { 'retry-after': '1' } : {};
    const message = 'failure injected by the sandbox control failNext';
    if (route === 'token') sendOAuthError(res, fault.status, fault.code, message, headers);
    else sendApiError(res, fault.status, fault.code, message, headers);
    return true;
  };

  // What a client sees when a proxy or the network drops the answer on its way back: the
  // request did its work, and the connection closes where the status line should be.
  const loseAnswer = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead = (() => {
      req.socket.destroy();
      return res;
    }) as typeof res.writeHead;
    res.end = (() => res) as typeof res.end;
  };

  const token: Handler = async (req, res) => {
    ctx.store.requests.tokens += 1;
    if (serveFault(res, 'token')) return;
    await handleToken(req, res, ctx.store, ctx.credentials, ctx.tokenTtlSeconds);
  };

  const listEntries = api('entries', 'pages', (_req, res, url) => {
    const query = parseListQuery(url.searchParams, ctx.limits.pageSizeMax);
    if (typeof query === 'string') return sendApiError(res, 400, 'INVALID_PARAMETER', query);
    const all = ctx.store.entriesWithoutDocument(query.filter);
    const start = (query.page - 1) * query.pageSize;
    sendJson(res, 200, {
      data: all.slice(start, start + query.pageSize),
      page: query.page,
      pageSize: query.pageSize,
      totalItems: all.length,
      totalPages: Math.ceil(all.length / query.pageSize),
    });
  });

  const createImport = api('imports', 'imports', (req, res) => handleCreateImport(req, res, ctx));

  const getImport = api('poll', 'polls', (_req, res, url) => {
    const raw = IMPORT_PATH.exec(url.pathname)![1]!;
    let id: string;
    try {
      id = decodeURIComponent(raw);
    } catch {
      id = raw;
    }
    const record = ctx.store.getImport(id);
    if (!record) return sendApiError(res, 404, 'NOT_FOUND', `no import ${id}`);
    const base = { importId: record.importId, status: record.status, receivedAt: isoSeconds(record.receivedAt) };
    if (record.status === 'processing') {
      const wait = ctx.pollRetryAfterSeconds;
      return sendJson(res, 200, base, wait === null ? {} : { 'retry-after': String(wait) });
    }
    if (record.status === 'failed') return sendJson(res, 200, { ...base, error: record.error });
    sendJson(res, 200, { ...base, documents: record.documents, ignoredFiles: record.ignoredFiles });
  });

  const state: Handler = (_req, res) => sendJson(res, 200, ctx.store.snapshot());

  const control: Handler = async (req, res) => {
    if (mediaType(req.headers['content-type']) !== 'application/json') {
      return sendApiError(res, 400, 'INVALID_PARAMETER', 'send the control command as application/json');
    }
    try {
      runControl(ctx.control, JSON.parse((await readSmallBody(req, 16 * 1024 * 1024)).toString('utf8')));
    } catch (err) {
      // Bad JSON, an oversized body and a refused command are all the caller's to fix.
      return sendApiError(res, 400, 'INVALID_PARAMETER', (err as Error).message);
    }
    sendJson(res, 200, { ok: true });
  };

  const routes: Array<{ method: string; path: string | RegExp; handler: Handler }> = [
    { method: 'POST', path: '/oauth/token', handler: token },
    { method: 'GET', path: '/api/v1/entries/without-document', handler: listEntries },
    { method: 'POST', path: '/api/v1/documents/imports', handler: createImport },
    { method: 'GET', path: IMPORT_PATH, handler: getImport },
    { method: 'GET', path: '/__sandbox/state', handler: state },
    { method: 'POST', path: '/__sandbox/control', handler: control },
  ];

  return (req, res) => {
    // Whatever a handler leaves unread (a 401 to a large upload, say) is drained, within a cap.
    res.on('finish', () => discardRest(req));
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const matching = routes.filter((r) => (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)));
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      if (matching.length > 0) {
        return sendApiError(res, 405, 'NOT_FOUND', `${req.method ?? ''} is not allowed on ${url.pathname}`, {
          allow: matching.map((r) => r.method).join(', '),
        });
      }
      return sendApiError(res, 404, 'NOT_FOUND', `no such endpoint: ${url.pathname}`);
    }
    Promise.resolve()
      .then(() => route.handler(req, res, url))
      .catch((err: Error) => sendApiError(res, 500, 'INTERNAL', `sandbox error: ${err.message}`));
  };
}

interface ListQuery {
  page: number;
  pageSize: number;
  filter: EntryFilter;
}

/** The query of the entries list, or the message of the 400 it deserves. */
function parseListQuery(params: URLSearchParams, pageSizeMax: number): ListQuery | string {
  for (const key of new Set(params.keys())) {
    if (params.getAll(key).length > 1) return `parameter ${key} is repeated`;
  }
  const page = positiveInt(params.get('page'), 1);
  if (page === null) return 'page must be an integer of at least 1';
  const pageSize = positiveInt(params.get('pageSize'), 100);
  if (pageSize === null || pageSize > pageSizeMax) return `pageSize must be an integer from 1 to ${pageSizeMax}`;
  const filter: EntryFilter = {};
  const companyCode = params.get('companyCode');
  if (companyCode !== null) {
    if (companyCode === '') return 'companyCode must not be empty';
    filter.companyCode = companyCode;
  }
  for (const name of ['dateFrom', 'dateTo'] as const) {
    const value = params.get(name);
    if (value === null) continue;
    if (!isDate(value)) return `${name} must be a date written YYYY-MM-DD, not "${value}"`;
    filter[name] = value;
  }
  return { page, pageSize, filter };
}

function positiveInt(value: string | null, fallback: number): number | null {
  if (value === null) return fallback;
  if (!/^[1-9][0-9]{0,8}$/.test(value)) return null;
  return Number(value);
}

/** YYYY-MM-DD and a day that exists (2024-02-30 does not). */
export function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function runControl(control: SandboxControl, command: unknown): void {
  const c = (command ?? {}) as Record<string, unknown>;
  switch (c.action) {
    case 'expireAllTokens':
      return control.expireAllTokens();
    case 'failNext':
      if (!FAULT_ROUTES.includes(c.route as FaultRoute)) throw new Error(`route must be one of ${FAULT_ROUTES.join(', ')}`);
      return control.failNext(c.route as FaultRoute, Number(c.status), String(c.code), c.times === undefined ? undefined : Number(c.times));
    case 'loseNextAnswer':
      if (!FAULT_ROUTES.includes(c.route as FaultRoute)) throw new Error(`route must be one of ${FAULT_ROUTES.join(', ')}`);
      return control.loseNextAnswer(c.route as FaultRoute, c.times === undefined ? undefined : Number(c.times));
    case 'failNextImport':
      return control.failNextImport(c.code === undefined ? undefined : String(c.code));
    case 'addEntries':
      if (!Array.isArray(c.entries)) throw new Error('entries must be an array');
      return control.addEntries(c.entries);
    case 'attachOutOfBand':
      return control.attachOutOfBand(String(c.entryId));
    default:
      throw new Error('action must be one of expireAllTokens, failNext, loseNextAnswer, failNextImport, addEntries, attachOutOfBand');
  }
}
