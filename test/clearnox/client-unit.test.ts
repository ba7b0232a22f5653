// The client against an in-memory API (fake-api.ts): paging, tokens, uploads, polling, typed
// errors and the retry seam, without sockets. Network failures use the real transport.
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClearnoxClient, type ClearnoxClientOptions } from '../../src/clearnox/client.js';
import {
  ArchiveTooLargeError,
  CredentialsRejectedError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  ImportTimeoutError,
  NetworkError,
  ProtocolError,
  RateLimitedError,
  ServerError,
  UnauthorizedError,
} from '../../src/clearnox/errors.js';
import { isRetryable } from '../../src/clearnox/errors.js';
import type { RetryPolicy } from '../../src/clearnox/http.js';
import type { Import } from '../../src/clearnox/contract.js';
import { clearSecrets } from '../../src/secrets.js';
import { FakeApi, entry } from './fake-api.js';

let dir: string;
let archive: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearnox-unit-'));
  archive = join(dir, 'batch-0001.zip');
  await writeFile(archive, Buffer.alloc(4096, 7));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => clearSecrets());

function setup(extra: Partial<ClearnoxClientOptions> = {}) {
  const api = new FakeApi();
  const sleeps: number[] = [];
  const client = new ClearnoxClient({
    baseUrl: 'https://gw.example.com/clearnox/',
    clientId: api.clientId,
    clientSecret: api.clientSecret,
    transport: api,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    // Pacing runs on the wall clock; it has its own tests (pacer.test.ts).
    requestsPerSecond: Infinity,
    ...extra,
  });
  return { api, client, sleeps };
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `ent_${String(from + i).padStart(5, '0')}`);
const err = (code: string, message = 'm') => ({ error: { code, message } });

describe('listMissingEntries', () => {
  it('asks for the largest page by default, with the filters, under the baseUrl prefix', async () => {
    const { api, client } = setup();
    api.entries = ids(3).map((id) => entry(id));
    const got = await client.listMissingEntries({ companyCode: 'ACME-FR', dateFrom: '2024-01-01', dateTo: '2024-12-31' });
    expect(got.map((e) => e.id)).toEqual(ids(3));
    const pages = api.requests.filter((r) => r.operation === 'entries');
    expect(pages).toHaveLength(1); // one page: nothing can shift, nothing to read again
    const url = pages[0]!.url;
    expect(url.pathname).toBe('/clearnox/api/v1/entries/without-document');
    expect(Object.fromEntries(url.searchParams)).toEqual({ page: '1', pageSize: '1000', companyCode: 'ACME-FR', dateFrom: '2024-01-01', dateTo: '2024-12-31' });
    expect(api.requests[0]!.url.pathname).toBe('/clearnox/oauth/token');
  });

  it('reads page 1, then the last page back to the first', async () => {
    const { api, client } = setup();
    api.entries = ids(23).map((id) => entry(id));
    const seen: Array<[number, number]> = [];
    const got = await client.listMissingEntries({}, { pageSize: 5, onPage: (p, t) => seen.push([p, t]) });
    expect(seen).toEqual([[1, 5], [5, 5], [4, 5], [3, 5], [2, 5], [1, 5]]);
    expect(got.map((e) => e.id)).toEqual(ids(23));
  });

  it('skips no entry still missing when others get documents during the read', async () => {
    // Worst case for paging: after every page read, someone attaches the first entries of the list.
    for (let removedPerPage = 1; removedPerPage <= 7; removedPerPage++) {
      const { api, client } = setup();
      api.entries = ids(50).map((id) => entry(id));
      const got = await client.listMissingEntries({}, {
        pageSize: 5,
        onPage: () => {
          api.entries.splice(0, removedPerPage);
        },
      });
      const gotIds = new Set(got.map((e) => e.id));
      expect(gotIds.size).toBe(got.length);
      for (const e of api.entries) expect(gotIds.has(e.id), `${e.id} skipped (removing ${removedPerPage}/page)`).toBe(true);
    }
  });

  it('skips no entry still missing under random attachments (reading front to back would)', async () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let forwardSkips = 0;
    for (let trial = 0; trial < 30; trial++) {
      const { api, client } = setup();
      api.entries = ids(40).map((id) => entry(id));
      const attach = () => {
        for (let k = 0; k < 2 && api.entries.length; k++) api.entries.splice(Math.floor(rnd() * api.entries.length), 1);
      };
      const got = new Set((await client.listMissingEntries({}, { pageSize: 4, onPage: attach })).map((e) => e.id));
      for (const e of api.entries) expect(got.has(e.id)).toBe(true);

      // The same disturbance against a naive front-to-back read, to show the test can see skips.
      api.entries = ids(40).map((id) => entry(id));
      const naive = new Set<string>();
      for (let p = 1; ; p++) {
        const size = 4;
        const sorted = [...api.entries].sort((a, b) => (a.id < b.id ? -1 : 1));
        for (const e of sorted.slice((p - 1) * size, p * size)) naive.add(e.id);
        attach();
        if (p >= Math.ceil(sorted.length / size)) break;
      }
      forwardSkips += api.entries.filter((e) => !naive.has(e.id)).length;
    }
    expect(forwardSkips).toBeGreaterThan(0);
  });

  it('reads the list again when entries are added during the read', async () => {
    const { api, client } = setup();
    api.entries = ids(20, 0).filter((_, i) => i % 2 === 0).map((id) => entry(id)); // even ids
    let added = false;
    const got = await client.listMissingEntries({}, {
      pageSize: 3,
      onPage: (p, total) => {
        // While the last pages are read, odd ids appear in the middle and push entries backwards.
        if (!added && p === total) {
          added = true;
          api.entries.push(...ids(20, 0).filter((_, i) => i % 2 === 1).map((id) => entry(id)));
        }
      },
    });
    expect(got.map((e) => e.id)).toEqual(ids(20));
  });

  it('names the field of a malformed page', async () => {
    const { api, client } = setup();
    api.failNext('entries', 200, { data: [{ ...entry('ent_1'), amount: 12.5 }], page: 1, pageSize: 1000, totalItems: 1, totalPages: 1 });
    await expect(client.listMissingEntries()).rejects.toThrow(ProtocolError);
    api.failNext('entries', 200, { data: [{ ...entry('ent_1'), amount: 12.5 }], page: 1, pageSize: 1000, totalItems: 1, totalPages: 1 });
    await expect(client.listMissingEntries()).rejects.toThrow(/data\[0\]\.amount/);
    api.failNext('entries', 200, { data: [], page: 1 });
    await expect(client.listMissingEntries()).rejects.toThrow(/pageSize/);
    api.failNext('entries', 200, '<html>login</html>');
    await expect(client.listMissingEntries()).rejects.toThrow(/not JSON/);
  });

  it('refuses a page size the API does not allow', async () => {
    const { client } = setup();
    await expect(client.listMissingEntries({}, { pageSize: 1001 })).rejects.toThrow(RangeError);
    await expect(client.listMissingEntries({}, { pageSize: 0 })).rejects.toThrow(RangeError);
  });

  it('surfaces 400 INVALID_PARAMETER as a typed error', async () => {
    const { api, client } = setup();
    api.failNext('entries', 400, err('INVALID_PARAMETER', 'dateFrom must be YYYY-MM-DD'));
    await expect(client.listMissingEntries({ dateFrom: '01/02/2024' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', status: 400, retryable: false });
  });
});

describe('tokens', () => {
  it('gets one token for many calls', async () => {
    const { api, client } = setup();
    api.entries = ids(30).map((id) => entry(id));
    await client.listMissingEntries({}, { pageSize: 10 });
    await client.listMissingEntries({}, { pageSize: 10 });
    expect(api.count('token')).toBe(1);
    expect(api.requests.filter((r) => r.operation === 'entries').every((r) => r.headers.authorization === 'Bearer tok-1')).toBe(true);
    const form = new URLSearchParams(api.requests[0]!.body);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', client_id: api.clientId, client_secret: api.clientSecret });
  });

  it('shares one token request among concurrent calls', async () => {
    const { api, client } = setup();
    api.imports.set('imp_1', { answers: [{ value: { importId: 'imp_1', status: 'processing' } }] });
    await Promise.all([1, 2, 3, 4, 5].map(() => client.getImport('imp_1')));
    expect(api.count('token')).toBe(1);
  });

  it('gets a new token and repeats the call once when the token is revoked mid-run', async () => {
    const { api, client } = setup();
    api.entries = ids(30).map((id) => entry(id));
    const got = await client.listMissingEntries({}, { pageSize: 10, onPage: (p) => p === 3 && api.revokeAllTokens() });
    expect(got).toHaveLength(30);
    expect(api.count('token')).toBe(2);
    expect(api.count('entries')).toBe(5); // 1, 3, 2 (refused), 2, 1
  });

  it('repeats only once: a second 401 surfaces as UnauthorizedError', async () => {
    const { api, client } = setup();
    api.failNext('entries', 401, err('UNAUTHORIZED', 'nope'), undefined, 2);
    const e = await client.listMissingEntries().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnauthorizedError);
    expect(api.count('entries')).toBe(2);
    expect(api.count('token')).toBe(2);
  });

  it('re-opens the archive when an upload is repeated with a fresh token', async () => {
    const { api, client } = setup();
    api.failNext('upload', 401, err('TOKEN_EXPIRED'));
    const accepted = await client.uploadArchive(archive, 'key-1');
    expect(accepted).toEqual({ importId: 'imp_1', status: 'processing' });
    const uploads = api.requests.filter((r) => r.operation === 'upload');
    expect(uploads.map((u) => u.fileBytes)).toEqual([4096, 4096]);
    expect(uploads.map((u) => u.headers['idempotency-key'])).toEqual(['key-1', 'key-1']);
    expect(uploads.map((u) => u.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('rejected credentials: CredentialsRejectedError, no repeat, no secret in the message', async () => {
    const { api, client } = setup({ clientSecret: 'wrong-secret-123' });
    const e = await client.listMissingEntries().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CredentialsRejectedError);
    const msg = (e as Error).message;
    expect(msg).toMatch(/clientId/);
    expect(msg).toMatch(/clientSecret/);
    expect(msg).toMatch(/mapping file/);
    expect(msg).not.toContain('wrong-secret-123');
    expect((e as CredentialsRejectedError).retryable).toBe(false);
    expect(api.count('token')).toBe(1);
    expect(api.count('entries')).toBe(0);
  });

  it('a 400 invalid_client is rejected credentials too; another OAuth error is a protocol error', async () => {
    const { api, client } = setup();
    api.failNext('token', 400, { error: 'invalid_client' });
    await expect(client.getImport('x')).rejects.toThrow(CredentialsRejectedError);
    api.failNext('token', 400, { error: 'unsupported_grant_type' });
    await expect(client.getImport('x')).rejects.toThrow(ProtocolError);
  });

  it('a 503 at /oauth/token is a retryable ServerError, not a credentials problem', async () => {
    const { api, client } = setup({ retries: 0 });
    api.failNext('token', 503, err('UNAVAILABLE'));
    await expect(client.getImport('x')).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true, operation: 'token' });
  });

  it('refuses a token that is not Bearer', async () => {
    const { api, client } = setup();
    api.failNext('token', 200, { access_token: 'abcd', token_type: 'mac', expires_in: 60 });
    await expect(client.getImport('x')).rejects.toThrow(/Bearer/);
  });
});

describe('uploadArchive', () => {
  it('sends one "file" part named after the archive, with the Idempotency-Key', async () => {
    const { api, client } = setup();
    await client.uploadArchive(archive, 'run-7-batch-1');
    const up = api.requests.find((r) => r.operation === 'upload')!;
    expect(up.method).toBe('POST');
    expect(up.url.pathname).toBe('/clearnox/api/v1/documents/imports');
    expect(up.fileName).toBe('batch-0001.zip');
    expect(up.headers['idempotency-key']).toBe('run-7-batch-1');
  });

  it('checks the key and the file before sending anything', async () => {
    const { api, client } = setup();
    await expect(client.uploadArchive(archive, '')).rejects.toThrow(RangeError);
    await expect(client.uploadArchive(archive, 'k'.repeat(256))).rejects.toThrow(RangeError);
    await expect(client.uploadArchive(archive, 'é')).rejects.toThrow(RangeError);
    await expect(client.uploadArchive(join(dir, 'missing.zip'), 'k')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(api.requests).toHaveLength(0);
  });

  it.each([
    [409, 'IDEMPOTENCY_KEY_REUSED', IdempotencyKeyReusedError, false],
    [413, 'ARCHIVE_TOO_LARGE', ArchiveTooLargeError, false],
    [403, 'FORBIDDEN', ForbiddenError, false],
    [429, 'RATE_LIMITED', RateLimitedError, true],
    [503, 'UNAVAILABLE', ServerError, true],
    [500, 'INTERNAL', ServerError, true],
  ] as const)('%i %s surfaces typed, without a repeat', async (status, code, Cls, retryable) => {
    // Without repeats, so that every status surfaces on the first answer.
    const { api, client } = setup({ retries: 0 });
    api.failNext('upload', status, err(code), status === 429 ? { 'retry-after': '2' } : undefined);
    const e = await client.uploadArchive(archive, 'k1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Cls);
    expect(e).toMatchObject({ code, status, retryable, operation: 'upload' });
    if (status === 429) expect((e as RateLimitedError).retryAfterMs).toBe(2000);
    expect(api.count('upload')).toBe(1);
  });

  it('by default waits as told and repeats after 429, with the same Idempotency-Key, 5 times at most', async () => {
    const { api, client, sleeps } = setup();
    api.failNext('upload', 429, err('RATE_LIMITED'), { 'retry-after': '2' }, 2);
    expect(await client.uploadArchive(archive, 'k-429')).toMatchObject({ status: 'processing' });
    expect(sleeps).toEqual([2000, 2000]);
    const keys = api.requests.filter((r) => r.operation === 'upload').map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual(['k-429', 'k-429', 'k-429']);

    api.failNext('upload', 429, err('RATE_LIMITED'), { 'retry-after': '1' }, 6);
    await expect(client.uploadArchive(archive, 'k-429b')).rejects.toThrow(RateLimitedError);
    expect(sleeps.slice(2)).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('by default repeats 500 and 503 with growing waits, re-reading the archive, and says so in the log', async () => {
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') };
    const { api, client, sleeps } = setup({ log });
    api.failNext('upload', 503, err('UNAVAILABLE'));
    api.failNext('upload', 500, err('INTERNAL'));
    expect(await client.uploadArchive(archive, 'k-503')).toEqual({ importId: 'imp_1', status: 'processing' });
    const uploads = api.requests.filter((r) => r.operation === 'upload');
    expect(uploads.map((u) => [u.headers['idempotency-key'], u.fileBytes])).toEqual([['k-503', 4096], ['k-503', 4096], ['k-503', 4096]]);
    // 1 s then 2 s, each between half and all of it (jitter).
    expect(sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(sleeps[0]).toBeLessThanOrEqual(1000);
    expect(sleeps[1]).toBeGreaterThanOrEqual(1000);
    expect(sleeps[1]).toBeLessThanOrEqual(2000);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^Clearnox answered 503 UNAVAILABLE while sending an archive of documents\..* Repeating in \d\.\d s \(1 of 5, same Idempotency-Key\)\.$/);
  });

  it('with retries: 0, surfaces a 503 at once', async () => {
    const { api, client } = setup({ retries: 0 });
    api.failNext('upload', 503, err('UNAVAILABLE'));
    await expect(client.uploadArchive(archive, 'k-503')).rejects.toThrow(ServerError);
    expect(api.count('upload')).toBe(1);
  });

  it('stops waiting to repeat as soon as the run is stopped', async () => {
    const api = new FakeApi();
    // A wait that never ends by itself: only the stop can end the listing.
    const client = new ClearnoxClient({ baseUrl: 'https://h/', clientId: api.clientId, clientSecret: api.clientSecret, transport: api, requestsPerSecond: Infinity, sleep: () => new Promise<void>(() => undefined) });
    api.failNext('entries', 503, err('UNAVAILABLE'));
    const stop = new AbortController();
    const listing = client.listMissingEntries({}, { signal: stop.signal }).catch((e: unknown) => e);
    setTimeout(() => stop.abort(new Error('stopped by the operator')), 50);
    expect(await listing).toMatchObject({ message: 'stopped by the operator' });
    expect(api.count('entries')).toBe(1);
  });

  it('accepts the existing import that an idempotent replay may answer with 200', async () => {
    const { api, client } = setup();
    api.failNext('upload', 200, { importId: 'imp_9', status: 'completed', documents: [] });
    expect(await client.uploadArchive(archive, 'k')).toEqual({ importId: 'imp_9', status: 'completed' });
  });
});

describe('waitForImport', () => {
  const processing: Import = { importId: 'imp_1', status: 'processing' };
  const completed: Import = { importId: 'imp_1', status: 'completed', documents: [{ fileName: 'a.pdf', status: 'attached', entryIds: ['ent_1'] }], ignoredFiles: [] };

  it('backs off 250 ms doubling to 5 s, and follows Retry-After', async () => {
    const { api, client, sleeps } = setup();
    api.imports.set('imp_1', {
      answers: [
        { value: processing },
        { value: processing },
        { value: processing, retryAfter: '3' },
        ...Array.from({ length: 6 }, () => ({ value: processing })),
        { value: completed },
      ],
    });
    expect(await client.waitForImport('imp_1')).toEqual(completed);
    expect(sleeps).toEqual([250, 500, 3000, 2000, 4000, 5000, 5000, 5000, 5000]);
  });

  it('returns a failed import rather than throwing', async () => {
    const { api, client } = setup();
    const failed: Import = { importId: 'imp_1', status: 'failed', error: { code: 'INVALID_METADATA', message: 'bad json' } };
    api.imports.set('imp_1', { answers: [{ value: failed }] });
    expect(await client.waitForImport('imp_1')).toEqual(failed);
  });

  it('gives up with ImportTimeoutError naming the import', async () => {
    const { api } = setup();
    const client = new ClearnoxClient({ baseUrl: 'https://x', clientId: api.clientId, clientSecret: api.clientSecret, transport: api });
    api.imports.set('imp_1', { answers: [{ value: processing }] });
    const e = await client.waitForImport('imp_1', { timeoutMs: 400 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ImportTimeoutError);
    expect((e as Error).message).toContain('imp_1');
    expect(api.count('import')).toBeGreaterThanOrEqual(2);
  });

  it('stops when the caller aborts', async () => {
    const { api } = setup();
    const client = new ClearnoxClient({ baseUrl: 'https://x', clientId: api.clientId, clientSecret: api.clientSecret, transport: api });
    api.imports.set('imp_1', { answers: [{ value: processing }] });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('operator stopped')), 100);
    await expect(client.waitForImport('imp_1', { signal: ac.signal })).rejects.toThrow('operator stopped');
  });

  it('404 NOT_FOUND and a mismatched import id are typed', async () => {
    const { api, client } = setup();
    await expect(client.getImport('imp_nope')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    api.imports.set('imp_2', { answers: [{ value: processing }] });
    await expect(client.getImport('imp_2')).rejects.toThrow(ProtocolError);
  });

  it('escapes the import id in the path', async () => {
    const { api, client } = setup();
    await client.getImport('a/b?c').catch(() => undefined);
    expect(api.requests.at(-1)!.url.pathname).toBe('/clearnox/api/v1/documents/imports/a%2Fb%3Fc');
  });
});

describe('retry seam', () => {
  it('wraps every exchange, with the operation and the upload\'s Idempotency-Key', async () => {
    const contexts: Array<{ operation: string; idempotencyKey?: string }> = [];
    const retryOnce: RetryPolicy = {
      async run(attempt, context) {
        contexts.push({ operation: context.operation, ...(context.idempotencyKey ? { idempotencyKey: context.idempotencyKey } : {}) });
        try {
          return await attempt(1);
        } catch (e) {
          if (!isRetryable(e)) throw e;
          await context.sleep(e.retryAfterMs ?? 10);
          return attempt(2);
        }
      },
    };
    const { api, client, sleeps } = setup({ retryPolicy: retryOnce });
    api.failNext('upload', 503, err('UNAVAILABLE'), { 'retry-after': '1' });
    expect(await client.uploadArchive(archive, 'same-key')).toEqual({ importId: 'imp_1', status: 'processing' });
    expect(contexts).toEqual([{ operation: 'token' }, { operation: 'upload', idempotencyKey: 'same-key' }]);
    expect(sleeps).toEqual([1000]);
    const uploads = api.requests.filter((r) => r.operation === 'upload');
    expect(uploads.map((u) => [u.headers['idempotency-key'], u.fileBytes])).toEqual([['same-key', 4096], ['same-key', 4096]]);
    // Not retryable: surfaces on the first attempt.
    api.failNext('upload', 409, err('IDEMPOTENCY_KEY_REUSED'));
    await expect(client.uploadArchive(archive, 'same-key')).rejects.toThrow(IdempotencyKeyReusedError);
  });
});

describe('network failures (real transport)', () => {
  let silent: Server;
  let silentPort: number;
  const sockets = new Set<import('node:net').Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers.
    silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(() => {
    // A never-answering server keeps its sockets; close them or close() waits forever.
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => silent.close(() => r()));
  });

  async function failure(baseUrl: string, timeoutMs = 2000) {
    const client = new ClearnoxClient({ baseUrl, clientId: 'id', clientSecret: 'net-secret-xyz', timeoutMs });
    try {
      return (await client.listMissingEntries().catch((x: unknown) => x)) as NetworkError;
    } finally {
      await client.close();
    }
  }

  it('connection refused names the host and what to check', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const e = await failure(`http://127.0.0.1:${port}`);
    expect(e).toBeInstanceOf(NetworkError);
    expect(e).toMatchObject({ failure: 'refused', retryable: true, operation: 'token' });
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.message).toMatch(/baseUrl/);
    expect(e.message).not.toContain('net-secret-xyz');
  });

  it('no answer in time is a retryable timeout', async () => {
    const e = await failure(`http://127.0.0.1:${silentPort}`, 300);
    expect(e).toBeInstanceOf(NetworkError);
    expect(e).toMatchObject({ failure: 'timeout', retryable: true });
    expect(e.message).toMatch(/timeoutSeconds/);
  });

  it('an unknown host is a DNS failure, not retryable', async () => {
    const e = await failure('http://clearnox-sync-test.invalid');
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.failure).toMatch(/dns|other/); // "other" when the resolver itself is unreachable
    expect(e.message).toContain('clearnox-sync-test.invalid');
  });
});
