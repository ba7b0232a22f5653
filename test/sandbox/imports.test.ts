import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REJECTION_CODES } from '../../src/clearnox/contract.js';
import type { SandboxHandle } from '../../src/sandbox/server.js';
import { entries, get, getToken, importAndWait, importZip, metadata, pdf, rawZip, start, upload, waitForImport, zip } from './helpers.js';

let sb: SandboxHandle;
let token: string;
beforeEach(async () => {
  sb = await start({ entries: entries(12), limits: { documentBytes: 1024 } });
  token = await getToken(sb.url);
});
afterEach(() => sb.close());

function outcome(result: { body: { documents: Array<{ fileName: string; status?: string }> } }, fileName: string) {
  return result.body.documents.find((d) => d.fileName === fileName);
}

describe('POST /api/v1/documents/imports and polling', () => {
  it('answers 202 processing, then completes with the documents attached', async () => {
    await sb.close();
    sb = await start({ entries: entries(3), processingDelayMs: 150 });
    token = await getToken(sb.url);
    const accepted = await upload(sb.url, token, await importZip([{ fileName: 'FA-1.pdf', documentNumber: 'FA-1', entryIds: ['ent_001', 'ent_002'] }]));
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ importId: expect.stringMatching(/^imp_/), status: 'processing' });

    const first = await get(sb.url, token, `/api/v1/documents/imports/${accepted.body.importId}`);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('processing');
    expect(first.headers.get('retry-after')).toBe('1');
    // Still processing: nothing attached yet.
    expect(sb.state().entries.every((e) => e.attached === null)).toBe(true);

    const done = await waitForImport(sb.url, token, accepted.body.importId);
    expect(done.body).toEqual({
      importId: accepted.body.importId,
      status: 'completed',
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      documents: [{ fileName: 'FA-1.pdf', status: 'attached', entryIds: ['ent_001', 'ent_002'] }],
      ignoredFiles: [],
    });
    expect(done.headers.get('retry-after')).toBeNull();

    const sha256 = createHash('sha256').update(pdf('FA-1.pdf')).digest('hex');
    const state = sb.state();
    for (const id of ['ent_001', 'ent_002']) {
      expect(state.entries.find((e) => e.id === id)).toMatchObject({
        attached: { fileName: 'FA-1.pdf', size: pdf('FA-1.pdf').length, sha256, importId: accepted.body.importId },
        attachCount: 1,
      });
    }
    expect(state.entries.find((e) => e.id === 'ent_003')).toMatchObject({ attached: null, attachCount: 0 });
    expect(state.requests).toMatchObject({ tokens: 1, imports: 1 });
    expect(state.requests.polls).toBeGreaterThanOrEqual(2);
  });

  it('answers 404 NOT_FOUND to an unknown import id', async () => {
    const res = await get(sb.url, token, '/api/v1/documents/imports/imp_unknown');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('reports unnamed files as ignored, including files in folders', async () => {
    const archive = await importZip([{ fileName: 'a.pdf', entryIds: ['ent_001'] }], [
      { name: 'stray.pdf', data: pdf() },
      { name: 'sub/b.pdf', data: pdf() },
    ]);
    const result = await importAndWait(sb.url, token, archive);
    expect(result.body.status).toBe('completed');
    expect(result.body.ignoredFiles.sort()).toEqual(['stray.pdf', 'sub/b.pdf']);
    expect(outcome(result, 'a.pdf')?.status).toBe('attached');
  });

  it('rejects each kind of bad document with its code, and attaches the good ones', async () => {
    sb.control.attachOutOfBand('ent_010');
    const docs = [
      { fileName: 'good.pdf', entryIds: ['ent_001', 'ent_002'] },
      { fileName: 'sub/in-folder.pdf', entryIds: ['ent_003'] }, // INVALID_FILE_NAME
      { fileName: '.hidden.pdf', entryIds: ['ent_003'] }, // INVALID_FILE_NAME
      { fileName: 'GOOD.PDF', entryIds: ['ent_004'] }, // DUPLICATE_FILE_NAME (second of good.pdf)
      { fileName: 'missing.pdf', entryIds: ['ent_005'] }, // FILE_MISSING_IN_ARCHIVE
      { fileName: 'large.pdf', entryIds: ['ent_006'] }, // DOCUMENT_TOO_LARGE
      { fileName: 'not-a-pdf.pdf', entryIds: ['ent_007'] }, // INVALID_PDF
      { fileName: 'twice.pdf', entryIds: ['ent_008', 'ent_002'] }, // ENTRY_LISTED_TWICE (ent_002 under good.pdf)
      { fileName: 'unknown.pdf', entryIds: ['ent_009', 'ent_999'] }, // ENTRY_NOT_FOUND
      { fileName: 'taken.pdf', entryIds: ['ent_011', 'ent_010'] }, // ENTRY_ALREADY_HAS_DOCUMENT
    ];
    const files = [
      { name: 'good.pdf', data: pdf() },
      { name: 'sub/in-folder.pdf', data: pdf() },
      { name: '.hidden.pdf', data: pdf() },
      { name: 'large.pdf', data: Buffer.concat([pdf(), Buffer.alloc(1024)]) },
      { name: 'not-a-pdf.pdf', data: 'hello, not a PDF' },
      { name: 'twice.pdf', data: pdf() },
      { name: 'unknown.pdf', data: pdf() },
      { name: 'taken.pdf', data: pdf() },
      { name: 'metadata.json', data: metadata(docs) },
    ];
    const result = await importAndWait(sb.url, token, await zip(files));
    expect(result.body.status).toBe('completed');
    const codes = Object.fromEntries(result.body.documents.map((d: any) => [d.fileName, d.error?.code ?? d.status]));
    expect(codes).toEqual({
      'good.pdf': 'attached',
      'sub/in-folder.pdf': 'INVALID_FILE_NAME',
      '.hidden.pdf': 'INVALID_FILE_NAME',
      'GOOD.PDF': 'DUPLICATE_FILE_NAME',
      'missing.pdf': 'FILE_MISSING_IN_ARCHIVE',
      'large.pdf': 'DOCUMENT_TOO_LARGE',
      'not-a-pdf.pdf': 'INVALID_PDF',
      'twice.pdf': 'ENTRY_LISTED_TWICE',
      'unknown.pdf': 'ENTRY_NOT_FOUND',
      'taken.pdf': 'ENTRY_ALREADY_HAS_DOCUMENT',
    });
    expect(new Set(Object.values(codes))).toEqual(new Set(['attached', ...REJECTION_CODES]));
    for (const d of result.body.documents) {
      expect(d.entryIds).toEqual(docs.find((x) => x.fileName === d.fileName)!.entryIds);
      if (d.status === 'rejected') expect(d.error.message).toEqual(expect.any(String));
    }

    // All or nothing: no entry of a rejected document got anything, even the valid ones.
    const attached = sb.state().entries.filter((e) => e.attached).map((e) => e.id);
    expect(attached.sort()).toEqual(['ent_001', 'ent_002', 'ent_010']);
  });

  it('rejects names with "..", backslashes or control characters without refusing the archive', async () => {
    const docs = [
      { fileName: '../evil.pdf', entryIds: ['ent_001'] },
      { fileName: 'a\\b.pdf', entryIds: ['ent_002'] },
      { fileName: 'tab\t.pdf', entryIds: ['ent_003'] },
      { fileName: 'ok.pdf', entryIds: ['ent_005'] },
    ];
    const archive = rawZip([
      ...docs.map((d) => ({ name: d.fileName, data: pdf() })),
      { name: 'metadata.json', data: metadata(docs) },
    ]);
    const result = await importAndWait(sb.url, token, archive);
    expect(result.body.documents.map((d: any) => d.error?.code ?? d.status)).toEqual([
      'INVALID_FILE_NAME',
      'INVALID_FILE_NAME',
      'INVALID_FILE_NAME',
      'attached',
    ]);
  });

  it('accepts a name of 180 characters; 181 breaks the metadata schema (400 INVALID_METADATA)', async () => {
    const name = `${'x'.repeat(176)}.pdf`;
    const result = await importAndWait(sb.url, token, await importZip([{ fileName: name, entryIds: ['ent_001'] }]));
    expect(result.body.documents[0].status).toBe('attached');
    const tooLong = await upload(sb.url, token, await importZip([{ fileName: `x${name}`, entryIds: ['ent_002'] }]));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.code).toBe('INVALID_METADATA');
  });

  it('rejects a document whose file appears twice in the archive (case-insensitively), and matches names exactly', async () => {
    const docs = [
      { fileName: 'dup.pdf', entryIds: ['ent_001'] },
      { fileName: 'case.pdf', entryIds: ['ent_002'] },
    ];
    const archive = rawZip([
      { name: 'dup.pdf', data: pdf() },
      { name: 'DUP.pdf', data: pdf() },
      { name: 'CASE.pdf', data: pdf() },
      { name: 'metadata.json', data: metadata(docs) },
    ]);
    const result = await importAndWait(sb.url, token, archive);
    expect(outcome(result, 'dup.pdf')).toMatchObject({ status: 'rejected', error: { code: 'DUPLICATE_FILE_NAME' } });
    expect(outcome(result, 'case.pdf')).toMatchObject({ status: 'rejected', error: { code: 'FILE_MISSING_IN_ARCHIVE' } });
    expect(result.body.ignoredFiles.sort()).toEqual(['CASE.pdf', 'DUP.pdf']);
  });

  it('rejects an entry listed twice under one document, and every later document naming an entry', async () => {
    const docs = [
      { fileName: 'a.pdf', entryIds: ['ent_001', 'ent_001'] },
      { fileName: 'b.pdf', entryIds: ['ent_002'] },
      { fileName: 'c.pdf', entryIds: ['ent_002', 'ent_003'] },
      { fileName: 'd.pdf', entryIds: ['ent_003'] },
    ];
    const result = await importAndWait(sb.url, token, await importZip(docs));
    expect(result.body.documents.map((d: any) => d.error?.code ?? d.status)).toEqual([
      'ENTRY_LISTED_TWICE',
      'attached',
      'ENTRY_LISTED_TWICE',
      'ENTRY_LISTED_TWICE',
    ]);
  });

  it('refuses a second document for an entry in a later import: attachCount stays 1', async () => {
    await importAndWait(sb.url, token, await importZip([{ fileName: 'a.pdf', entryIds: ['ent_001'] }]));
    const second = await importAndWait(sb.url, token, await importZip([{ fileName: 'b.pdf', entryIds: ['ent_001'] }]));
    expect(second.body.documents[0]).toMatchObject({ status: 'rejected', error: { code: 'ENTRY_ALREADY_HAS_DOCUMENT' } });
    expect(sb.state().entries.find((e) => e.id === 'ent_001')).toMatchObject({ attachCount: 1, attached: { fileName: 'a.pdf' } });
  });

  it('never attaches twice when two imports race for the same entry', async () => {
    const [a, b] = await Promise.all([
      upload(sb.url, token, await importZip([{ fileName: 'a.pdf', entryIds: ['ent_001'] }])),
      upload(sb.url, token, await importZip([{ fileName: 'b.pdf', entryIds: ['ent_001'] }])),
    ]);
    const results = await Promise.all([waitForImport(sb.url, token, a.body.importId), waitForImport(sb.url, token, b.body.importId)]);
    const statuses = results.map((r) => r.body.documents[0].status).sort();
    expect(statuses).toEqual(['attached', 'rejected']);
    expect(sb.state().entries.find((e) => e.id === 'ent_001')!.attachCount).toBe(1);
  });

  it('fails the next import as a whole on failNextImport, attaching nothing', async () => {
    sb.control.failNextImport('INTERNAL');
    const failed = await importAndWait(sb.url, token, await importZip([{ fileName: 'a.pdf', entryIds: ['ent_001'] }]));
    expect(failed.body).toEqual({
      importId: expect.any(String),
      status: 'failed',
      receivedAt: expect.any(String),
      error: { code: 'INTERNAL', message: expect.any(String) },
    });
    expect(sb.state().entries.find((e) => e.id === 'ent_001')!.attached).toBeNull();
    // Only the next one.
    const next = await importAndWait(sb.url, token, await importZip([{ fileName: 'a.pdf', entryIds: ['ent_001'] }]));
    expect(next.body.status).toBe('completed');
    expect(() => sb.control.failNextImport('NOT_A_CODE')).toThrow();
  });

  it('on loseNextAnswer, imports and then cuts the connection; the same key then answers with that import', async () => {
    const archive = await importZip([{ fileName: 'a.pdf', entryIds: ['ent_001'] }]);
    sb.control.loseNextAnswer('imports');
    const cut = await upload(sb.url, token, archive, { key: 'lost-1' }).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(TypeError); // fetch failed: the socket closed with no answer
    expect(sb.state().imports).toHaveLength(1);
    const again = await upload(sb.url, token, archive, { key: 'lost-1' });
    expect(again.status).toBe(202);
    expect(again.body.importId).toBe(sb.state().imports[0]!.importId);
    expect((await waitForImport(sb.url, token, again.body.importId)).body.status).toBe('completed');
    expect(sb.state().entries.find((e) => e.id === 'ent_001')!.attachCount).toBe(1);

    sb.control.loseNextAnswer('entries', 2);
    for (let i = 0; i < 2; i++) await expect(get(sb.url, token, '/api/v1/entries/without-document')).rejects.toThrow(TypeError);
    expect((await get(sb.url, token, '/api/v1/entries/without-document')).status).toBe(200);
    expect(() => sb.control.loseNextAnswer('nowhere' as never)).toThrow(/unknown sandbox route/);
  });

  it('fails an import whose document data is corrupt with INVALID_ARCHIVE', async () => {
    const docs = [{ fileName: 'a.pdf', entryIds: ['ent_001'] }, { fileName: 'b.pdf', entryIds: ['ent_002'] }];
    const archive = rawZip([
      { name: 'a.pdf', data: pdf() },
      { name: 'b.pdf', data: pdf('bbbb') },
      { name: 'metadata.json', data: metadata(docs) },
    ]);
    // Flip a byte of b.pdf's data: its CRC no longer matches.
    const at = archive.indexOf(Buffer.from('bbbb'));
    archive[at] = 0x41;
    const result = await importAndWait(sb.url, token, archive);
    expect(result.body.status).toBe('failed');
    expect(result.body.error.code).toBe('INVALID_ARCHIVE');
    expect(sb.state().entries.every((e) => e.attached === null)).toBe(true);
  });
});
