// The client against the project's sandbox over real HTTP: what the unit tests check with a fake
// transport, here with the server that follows the contract.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClearnoxClient, type ClearnoxClientOptions } from '../../src/clearnox/client.js';
import { REJECTION_CODES } from '../../src/clearnox/contract.js';
import {
  ArchiveTooLargeError,
  CredentialsRejectedError,
  IdempotencyKeyReusedError,
  InvalidRequestError,
  NotFoundError,
  RateLimitedError,
  ServerError,
} from '../../src/clearnox/errors.js';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox/server.js';
import { CLIENT_ID, CLIENT_SECRET, entries, importZip, metadata, pdf, start, zip } from '../sandbox/helpers.js';

let sb: SandboxHandle | undefined;
let client: ClearnoxClient | undefined;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnx-client-sb-'));
});
afterEach(async () => {
  await client?.close();
  await sb?.close();
  client = sb = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Waits the client asked for, kept short here: the waiting itself is not what is tested. */
let waits: number[] = [];
const quickSleep = (ms: number) => {
  waits.push(ms);
  return new Promise<void>((resolve) => setTimeout(resolve, 5));
};

async function setUp(options: Partial<SandboxOptions> = {}, secret = CLIENT_SECRET, extra: Partial<ClearnoxClientOptions> = {}) {
  sb = await start({ pollRetryAfterSeconds: null, ...options });
  waits = [];
  client = new ClearnoxClient({ baseUrl: sb.url, clientId: CLIENT_ID, clientSecret: secret, timeoutMs: 10_000, sleep: quickSleep, ...extra });
  return { sb, client };
}

let archiveCount = 0;
async function archiveFile(data: Buffer): Promise<string> {
  const file = join(dir, `a${++archiveCount}.zip`);
  await writeFile(file, data);
  return file;
}

const ids = (list: { id: string }[]) => list.map((e) => e.id);

describe('client <-> sandbox', () => {
  it('refuses wrong credentials with a message that does not hold the secret', async () => {
    await setUp({}, 'wrong-secret-8842');
    const e = await client!.listMissingEntries().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CredentialsRejectedError);
    expect((e as Error).message).not.toContain('wrong-secret-8842');
  });

  it('reads every page with the largest page size, and filters', async () => {
    await setUp({ entries: entries(2300, (i) => ({ companyCode: i % 2 ? 'B' : 'A', entryDate: i < 100 ? '2023-12-31' : '2024-01-02' })) });
    const all = await client!.listMissingEntries();
    expect(all).toHaveLength(2300);
    expect(new Set(ids(all)).size).toBe(2300);
    const a2024 = await client!.listMissingEntries({ companyCode: 'A', dateFrom: '2024-01-01' });
    expect(a2024).toHaveLength(1100);
    expect(a2024.every((e) => e.companyCode === 'A' && e.entryDate >= '2024-01-01')).toBe(true);
  });

  it('misses no entry still missing when others get documents while the list is read (live list)', async () => {
    const { sb, client } = await setUp({ entries: entries(50) });
    const attachedMeanwhile = ['ent_001', 'ent_002', 'ent_003', 'ent_012', 'ent_025'];
    const got = await client.listMissingEntries({}, {
      pageSize: 10,
      onPage: (page) => {
        // Someone attaches documents between page reads: the pages shift towards the front.
        if (page === 1 || page === 4) for (const id of attachedMeanwhile.splice(0, 3)) sb.control.attachOutOfBand(id);
      },
    });
    const stillMissing = sb.state().entries.filter((e) => !e.attached).map((e) => e.id);
    expect(stillMissing).toHaveLength(45);
    for (const id of stillMissing) expect(ids(got)).toContain(id);
  });

  it('sees entries added while the list is read', async () => {
    const { sb, client } = await setUp({ entries: entries(30) });
    let added = false;
    const got = await client.listMissingEntries({}, {
      pageSize: 10,
      onPage: () => {
        if (!added) sb.control.addEntries([{ ...entries(31)[30]!, id: 'ent_031' }]);
        added = true;
      },
    });
    expect(ids(got)).toContain('ent_031');
    expect(got).toHaveLength(31);
  });

  it('gets a new token when the sandbox expires every token mid-run, and when expires_in has passed', async () => {
    let now = Date.parse('2026-01-05T08:00:00Z');
    const { sb, client } = await setUp({ entries: entries(30), tokenTtlSeconds: 60, now: () => now });
    await client.listMissingEntries({}, { pageSize: 10, onPage: (p) => p === 3 && sb.control.expireAllTokens() });
    // The sandbox's clock moves past expires_in; the client's token cache does not know it.
    now += 61_000;
    const again = await client.listMissingEntries({}, { pageSize: 10 });
    expect(again).toHaveLength(30);
  });

  it('attaches through upload and polling, and reports every rejection code', async () => {
    const { sb, client } = await setUp({ entries: entries(12), limits: { documentBytes: 1024 } });
    sb.control.attachOutOfBand('ent_010');
    const docs = [
      { fileName: 'good.pdf', entryIds: ['ent_001', 'ent_002'] },
      { fileName: '.hidden.pdf', entryIds: ['ent_003'] },
      { fileName: 'GOOD.PDF', entryIds: ['ent_004'] },
      { fileName: 'missing.pdf', entryIds: ['ent_005'] },
      { fileName: 'large.pdf', entryIds: ['ent_006'] },
      { fileName: 'not-a-pdf.pdf', entryIds: ['ent_007'] },
      { fileName: 'twice.pdf', entryIds: ['ent_008', 'ent_002'] },
      { fileName: 'unknown.pdf', entryIds: ['ent_009', 'ent_999'] },
      { fileName: 'taken.pdf', entryIds: ['ent_011', 'ent_010'] },
    ];
    const file = await archiveFile(
      await zip([
        { name: 'good.pdf', data: pdf() },
        { name: '.hidden.pdf', data: pdf() },
        { name: 'large.pdf', data: Buffer.concat([pdf(), Buffer.alloc(1024)]) },
        { name: 'not-a-pdf.pdf', data: 'hello' },
        { name: 'twice.pdf', data: pdf() },
        { name: 'unknown.pdf', data: pdf() },
        { name: 'taken.pdf', data: pdf() },
        { name: 'metadata.json', data: metadata(docs) },
      ]),
    );
    const accepted = await client.uploadArchive(file, 'key-rejections');
    expect(accepted.status).toBe('processing');
    const result = await client.waitForImport(accepted.importId, { timeoutMs: 10_000 });
    expect(result.status).toBe('completed');
    if (result.status !== 'completed') return;
    const codes = new Set((result.documents ?? []).map((d) => (d.status === 'rejected' ? d.error?.code : d.status)));
    expect(codes).toEqual(new Set(['attached', ...REJECTION_CODES]));
    expect(sb.state().entries.filter((e) => e.attached).map((e) => e.id).sort()).toEqual(['ent_001', 'ent_002', 'ent_010']);
  });

  it('replays an upload with the same Idempotency-Key without importing twice; another archive under it is 409', async () => {
    const { sb, client } = await setUp({ entries: entries(3) });
    const file = await archiveFile(await importZip([{ fileName: 'a.pdf', entryIds: ['ent_001'] }]));
    const first = await client.uploadArchive(file, 'run-1-abc');
    await client.waitForImport(first.importId);
    // The connection broke before the answer arrived: the same upload is sent again.
    const replay = await client.uploadArchive(file, 'run-1-abc');
    expect(replay.importId).toBe(first.importId);
    const entry = sb.state().entries.find((e) => e.id === 'ent_001')!;
    expect(entry.attachCount).toBe(1);

    const other = await archiveFile(await importZip([{ fileName: 'b.pdf', entryIds: ['ent_002'] }]));
    await expect(client.uploadArchive(other, 'run-1-abc')).rejects.toThrow(IdempotencyKeyReusedError);
    expect(sb.state().entries.find((e) => e.id === 'ent_002')!.attached).toBeNull();
  });

  it('types 413, 400, 404, 429 and 503 answers', async () => {
    const { sb, client } = await setUp({ entries: entries(3), limits: { archiveDocuments: 1 } });
    const two = await archiveFile(
      await importZip([
        { fileName: 'a.pdf', entryIds: ['ent_001'] },
        { fileName: 'b.pdf', entryIds: ['ent_002'] },
      ]),
    );
    await expect(client.uploadArchive(two, 'k-413')).rejects.toThrow(ArchiveTooLargeError);
    await expect(client.getImport('imp_does_not_exist')).rejects.toThrow(NotFoundError);
    await expect(client.listMissingEntries({ dateFrom: '2024-13-45' })).rejects.toThrow(InvalidRequestError);

    const one = await archiveFile(await importZip([{ fileName: 'a.pdf', entryIds: ['ent_001'] }]));
    // 429 is waited out and repeated (Retry-After: 1) five times, then surfaces.
    sb.control.failNext('imports', 429, 'RATE_LIMITED', 6);
    const limited = await client.uploadArchive(one, 'k-1').catch((x: unknown) => x);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited).toMatchObject({ retryable: true, retryAfterMs: 1000 });
    expect(waits).toEqual([1000, 1000, 1000, 1000, 1000]);
    sb.control.failNext('entries', 503, 'UNAVAILABLE', 6);
    await expect(client.listMissingEntries()).rejects.toThrow(ServerError);
    // Nothing was imported by the refused calls; the same key goes through afterwards.
    const ok = await client.uploadArchive(one, 'k-1');
    expect((await client.waitForImport(ok.importId)).status).toBe('completed');
    expect(sb.state().entries.filter((e) => e.attached).map((e) => e.id)).toEqual(['ent_001']);
  });
  it('rides out a 503, a 429 and an answer lost on the way back: one import, each entry attached once', async () => {
    const { sb, client } = await setUp({ entries: entries(3) });
    const one = await archiveFile(await importZip([{ fileName: 'a.pdf', entryIds: ['ent_001'] }]));
    sb.control.failNext('entries', 503, 'UNAVAILABLE');
    expect(ids(await client.listMissingEntries())).toEqual(['ent_001', 'ent_002', 'ent_003']);
    sb.control.failNext('imports', 429, 'RATE_LIMITED');
    sb.control.loseNextAnswer('imports');
    const accepted = await client.uploadArchive(one, 'k-lost');
    // One wait per repeat: the 503, the 429, the lost answer. Polling the import may add its own
    // waits when the machine is slow, which this does not count.
    const repeats = waits.length;
    expect((await client.waitForImport(accepted.importId)).status).toBe('completed');
    const state = sb.state();
    // The 429 imported nothing; the lost answer's import is the one the repeat was answered with.
    expect(state.imports.map((i) => i.importId)).toEqual([accepted.importId]);
    expect(state.requests.imports).toBe(3);
    expect(state.entries.find((e) => e.id === 'ent_001')).toMatchObject({ attachCount: 1 });
    expect(repeats).toBe(3);
  });
});
