import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAdapter } from '../../adapters/documents/local.js';
import { DocumentError, type DocumentStore } from '../../adapters/types.js';
import { InvalidDocumentError, openPdf, statDocument } from '../../src/pipeline/document-check.js';
import { packArchive, type PackItem, type SinkFactory } from '../../src/pipeline/pack.js';
import { startPackingWorker, type PackingWorker } from '../../src/pipeline/worker-sink.js';
import { silentLogger } from '../../src/log.js';
import { fakePdf } from '../helpers/pdf.js';
import { readZip } from '../helpers/zip.js';

let dir: string;
let store: DocumentStore;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-pack-'));
  const root = path.join(dir, 'pdfs');
  await mkdir(path.join(root, '2024', 'Février'), { recursive: true });
  await writeFile(path.join(root, '2024', 'FA-1.pdf'), fakePdf('one'));
  await writeFile(path.join(root, '2024', 'Février', 'FA 2 été.pdf'), fakePdf('two'));
  await writeFile(path.join(root, 'empty.pdf'), '');
  await writeFile(path.join(root, 'html.pdf'), '<html>404</html>');
  await writeFile(path.join(root, 'big.pdf'), fakePdf('big', 4096));
  await writeFile(path.join(dir, 'outside.pdf'), fakePdf('outside'));
  await symlink(path.join(dir, 'outside.pdf'), path.join(root, 'link.pdf'));
  await writeFile(path.join(root, 'locked.pdf'), fakePdf('locked'));
  await chmod(path.join(root, 'locked.pdf'), 0o000);
  store = await localAdapter.open({ root: 'pdfs' }, { baseDir: dir, log: silentLogger });
});

afterAll(async () => {
  await chmod(path.join(dir, 'pdfs', 'locked.pdf'), 0o644).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

async function failure(p: string, max = 1_000_000): Promise<unknown> {
  try {
    await statDocument(store, p, max);
    (await openPdf(store, p, max)).destroy();
  } catch (e) {
    return e;
  }
  throw new Error(`${p} passed`);
}

describe('document checks on a local store', () => {
  it('tells every kind of bad document apart', async () => {
    expect(((await failure('2024/none.pdf')) as DocumentError).kind).toBe('not_found');
    expect(((await failure('empty.pdf')) as InvalidDocumentError).reasonCode).toBe('empty_file');
    expect(((await failure('html.pdf')) as InvalidDocumentError).reasonCode).toBe('not_a_pdf');
    expect(((await failure('big.pdf', 1000)) as InvalidDocumentError).reasonCode).toBe('too_large');
    expect(((await failure('link.pdf')) as DocumentError).kind).toBe('outside_root');
    expect(((await failure('../outside.pdf')) as DocumentError).kind).toBe('outside_root');
    expect(((await failure('2024')) as DocumentError).kind).toBe('unreadable');
    if (process.getuid?.() !== 0) expect(((await failure('locked.pdf')) as DocumentError).kind).toBe('permission_denied');
  });

  it('streams a good document whole, first bytes included', async () => {
    const stream = await openPdf(store, '2024\\FA-1.pdf', 1_000_000);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks)).toEqual(fakePdf('one'));
  });
});

const item = (fileName: string, p: string, entryIds: string[]): PackItem => ({
  key: fileName,
  documentNumber: fileName.replace(/\.pdf$/, ''),
  fileName,
  path: p,
  size: 10,
  entryIds,
});

// The same archives whether they are assembled in this thread or in the packing worker.
type Sinks = { sink?: SinkFactory };
const sinks: [string, () => Sinks][] = [
  ['in this thread', () => ({})],
  ['in the packing worker', () => ({ sink: worker!.sink })],
];
let worker: PackingWorker | undefined;
beforeAll(() => {
  worker = startPackingWorker();
});
afterAll(() => worker?.close());

describe.each(sinks)('packArchive %s', (_where, sinkOf) => {
  it('stores the PDFs uncompressed with a UTF-8 name and a metadata.json naming only what went in', async () => {
    const file = path.join(dir, `a-${sinkOf().sink ? 'w' : 't'}.zip`);
    const packed = await packArchive(
      [item('FA-1.pdf', '2024/FA-1.pdf', ['e1', 'e2']), item('html.pdf', 'html.pdf', ['e3']), item('FA 2 été.pdf', '2024/Février/FA 2 été.pdf', ['e4'])],
      store,
      { file, maxDocumentBytes: 1_000_000, ...sinkOf() },
    );
    expect(packed.included.map((i) => i.fileName)).toEqual(['FA-1.pdf', 'FA 2 été.pdf']);
    expect(packed.skipped.map((s) => (s.error as InvalidDocumentError).reasonCode)).toEqual(['not_a_pdf']);
    const entries = await readZip(file);
    expect(entries.map((e) => e.name)).toEqual(['FA-1.pdf', 'FA 2 été.pdf', 'metadata.json']);
    expect(entries[1]!.utf8Flag).toBe(true);
    expect(entries.slice(0, 2).every((e) => e.compressionMethod === 0)).toBe(true);
    expect(entries[1]!.data).toEqual(fakePdf('two'));
    const metadata = JSON.parse(entries[2]!.data.toString('utf8'));
    expect(metadata).toEqual({
      version: 1,
      documents: [
        { fileName: 'FA-1.pdf', documentNumber: 'FA-1', entryIds: ['e1', 'e2'] },
        { fileName: 'FA 2 été.pdf', documentNumber: 'FA 2 été', entryIds: ['e4'] },
      ],
    });
    expect(packed.bytes).toBe((await readFile(file)).length);
  });

  it('gives the same bytes for the same documents, so the idempotency key repeats (in either place)', async () => {
    const items = [item('FA-1.pdf', '2024/FA-1.pdf', ['e1'])];
    const a = await packArchive(items, store, { file: path.join(dir, 'b1.zip'), maxDocumentBytes: 1_000_000, ...sinkOf() });
    const b = await packArchive(items, store, { file: path.join(dir, 'b2.zip'), maxDocumentBytes: 1_000_000 });
    expect(a.sha256).toBe(b.sha256);
  });

  it('rebuilds the archive without a document whose stream fails half-way', async () => {
    let opens = 0;
    const flaky: DocumentStore = {
      description: 'flaky',
      stat: async () => ({ size: 10 }),
      close: async () => {},
      open: async (p: string): Promise<Readable> => {
        if (p !== 'bad.pdf') return store.open('2024/FA-1.pdf');
        opens++;
        const s = new PassThrough();
        s.write(fakePdf('half'));
        setTimeout(() => s.destroy(new DocumentError('connection_lost', 'connection dropped')), 5);
        return s;
      },
    };
    const file = path.join(dir, `c-${sinkOf().sink ? 'w' : 't'}.zip`);
    const packed = await packArchive(
      [item('A.pdf', 'a.pdf', ['e1']), item('B.pdf', 'bad.pdf', ['e2']), item('C.pdf', 'c.pdf', ['e3'])],
      flaky,
      { file, maxDocumentBytes: 1_000_000, ...sinkOf() },
    );
    expect(opens).toBe(1);
    expect(packed.included.map((i) => i.fileName)).toEqual(['A.pdf', 'C.pdf']);
    expect((packed.skipped[0]!.error as DocumentError).kind).toBe('connection_lost');
    expect((await readZip(file)).map((e) => e.name)).toEqual(['A.pdf', 'C.pdf', 'metadata.json']);
  });
});

describe('the packing worker', () => {
  it('fails the archive in progress, not the process, when the worker is gone', async () => {
    const gone = startPackingWorker();
    await gone.close();
    await expect(packArchive([item('FA-1.pdf', '2024/FA-1.pdf', ['e1'])], store, { file: path.join(dir, 'gone.zip'), maxDocumentBytes: 1_000_000, sink: gone.sink })).rejects.toThrow(
      /packing worker stopped/,
    );
  });
});
