// One stage of a run alone, in a process of its own, so that its time and peak memory are that
// stage's only: the listing, the look-up, a store's reads, the packing, the upload. The stage and
// its settings come in BENCH_STAGE (JSON); each loads only the modules it needs.
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import type { DocumentStoreAdapter } from '../../adapters/types.js';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { LIMITS } from '../../src/clearnox/contract.js';
import { silentLogger } from '../../src/log.js';
import { reportResult } from './measure.js';
import { documents, LOOKUP_SQL, type ErpDatabase } from './run-data.js';

export type StageSpec =
  | { stage: 'list'; url: string; count: number }
  | { stage: 'lookup'; db: ErpDatabase; count: number; batchSize: number }
  | { stage: 'read'; store: 'sftp' | 'smb'; options: Record<string, unknown>; count: number; concurrency: number }
  | { stage: 'pack'; root: string; out: string; count: number; maxArchiveBytes: number; maxDocuments: number }
  | { stage: 'upload'; url: string; archives: string; inFlight: number };

const spec = JSON.parse(process.env.BENCH_STAGE!) as StageSpec;
const ctx = { baseDir: process.cwd(), log: silentLogger };
const MAX_DOCUMENT = LIMITS.documentBytes;
const client = (url: string) => new ClearnoxClient({ baseUrl: url, clientId: 'sandbox-client', clientSecret: process.env.BENCH_SECRET! });

async function list(s: Extract<StageSpec, { stage: 'list' }>) {
  const api = client(s.url);
  try {
    const entries = await api.listMissingEntries({}, { pageSize: LIMITS.pageSizeMax });
    if (entries.length !== s.count) throw new Error(`listed ${entries.length} entries of ${s.count}`);
    return { items: entries.length };
  } finally {
    await api.close();
  }
}

async function lookup(s: Extract<StageSpec, { stage: 'lookup' }>) {
  const { mysqlAdapter } = await import('../../adapters/database/mysql.js');
  const { host, port, database, user, password } = s.db;
  const source = await mysqlAdapter.open(mysqlAdapter.optionsSchema.parse({ host, port, database, user, password }), { sql: LOOKUP_SQL }, ctx);
  let found = 0;
  try {
    const numbers = Array.from(documents(s.count), (d) => d.number);
    const size = Math.min(s.batchSize, source.maxBatchSize);
    for (let i = 0; i < numbers.length; i += size) {
      const batch = numbers.slice(i, i + size);
      found += (await source.lookup({ documentNumbers: batch, normalizedNumbers: batch })).length;
    }
  } finally {
    await source.close();
  }
  if (found !== s.count) throw new Error(`the look-up found ${found} rows of ${s.count}`);
  return { items: found };
}

/** Every document through the store, with the run's checks (stat, %PDF-, size), to nowhere. */
async function read(s: Extract<StageSpec, { stage: 'read' }>) {
  const { statDocument, openPdf } = await import('../../src/pipeline/document-check.js');
  const adapter: DocumentStoreAdapter<any> =
    s.store === 'sftp' ? (await import('../../adapters/documents/sftp/store.js')).sftpAdapter : (await import('../../adapters/documents/smb/store.js')).smbAdapter;
  const store = await adapter.open(adapter.optionsSchema.parse(s.options), ctx);
  const limit = pLimit(s.concurrency);
  let bytes = 0;
  const nowhere = () => new Writable({ write: (chunk: Buffer, _enc, done) => ((bytes += chunk.length), done()) });
  try {
    await Promise.all(
      Array.from(documents(s.count), (d) =>
        limit(async () => {
          await statDocument(store, d.path, MAX_DOCUMENT);
          await pipeline(await openPdf(store, d.path, MAX_DOCUMENT), nowhere());
        }),
      ),
    );
  } finally {
    await store.close();
  }
  return { items: s.count, bytes };
}

/** Archives as the run cuts them (mapping defaults: 500 documents, 50 MiB), from local files. */
async function pack(s: Extract<StageSpec, { stage: 'pack' }>) {
  const { packArchive } = await import('../../src/pipeline/pack.js');
  const { localAdapter } = await import('../../adapters/documents/local.js');
  const store = await localAdapter.open(localAdapter.optionsSchema.parse({ root: s.root }), ctx);
  await rm(s.out, { recursive: true, force: true });
  await mkdir(s.out, { recursive: true });
  let archives = 0;
  let bytes = 0;
  let chunk: Parameters<typeof packArchive>[0] = [];
  let chunkBytes = 0;
  const flush = async () => {
    if (!chunk.length) return;
    const packed = await packArchive(chunk, store, { file: path.join(s.out, `archive-${String(++archives).padStart(4, '0')}.zip`), maxDocumentBytes: MAX_DOCUMENT });
    if (packed.included.length !== chunk.length) throw new Error(`archive ${archives} left out ${chunk.length - packed.included.length} documents`);
    bytes += packed.bytes;
    chunk = [];
    chunkBytes = 0;
  };
  try {
    for (const d of documents(s.count)) {
      if (chunk.length + 1 > s.maxDocuments || chunkBytes + d.size > s.maxArchiveBytes) await flush();
      chunk.push({ key: d.number, documentNumber: d.number, fileName: `${d.number}.pdf`, path: d.path, size: d.size, entryIds: [d.entryId] });
      chunkBytes += d.size;
    }
    await flush();
  } finally {
    await store.close();
  }
  return { items: s.count, archives, bytes };
}

/** Each archive sent and waited for, as many at once as the contract allows. */
async function upload(s: Extract<StageSpec, { stage: 'upload' }>) {
  const api = client(s.url);
  const files = (await readdir(s.archives)).filter((f) => f.endsWith('.zip')).sort();
  const limit = pLimit(s.inFlight);
  let uploadMs = 0;
  try {
    await Promise.all(
      files.map((f) =>
        limit(async () => {
          const started = performance.now();
          const { importId } = await api.uploadArchive(path.join(s.archives, f), `bench-stage-${process.pid}-${f}`);
          uploadMs += performance.now() - started;
          const done = await api.waitForImport(importId);
          if (done.status !== 'completed') throw new Error(`import ${importId} of ${f} ended ${done.status}`);
        }),
      ),
    );
  } finally {
    await api.close();
  }
  return { items: files.length, uploadMs };
}

const stages = { list, lookup, read, pack, upload } as const;
reportResult(await (stages[spec.stage] as (s: StageSpec) => Promise<Record<string, unknown>>)(spec));
