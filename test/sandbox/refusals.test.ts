// Requests refused as a whole: nothing may be imported after any of them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/server.js';
import { entries, getToken, importZip, metadata, pdf, rawZip, start, upload, zip } from './helpers.js';

let sb: SandboxHandle;
let token: string;
beforeEach(async () => {
  sb = await start({ entries: entries(5), limits: { archiveBytes: 64 * 1024, archiveDocuments: 3 } });
  token = await getToken(sb.url);
});
afterEach(async () => {
  expect(sb.state().imports).toEqual([]);
  expect(sb.state().entries.every((e) => e.attachCount === 0)).toBe(true);
  await sb.close();
});

const doc = (n: number) => ({ fileName: `d${n}.pdf`, entryIds: [`ent_00${n}`] });

async function expectRefused(archive: Buffer, status: number, code: string, message?: RegExp) {
  const res = await upload(sb.url, token, archive);
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  if (message) expect(res.body.error.message).toMatch(message);
}

describe('INVALID_ARCHIVE', () => {
  it('refuses bytes that are not a ZIP, an empty file and a truncated ZIP', async () => {
    await expectRefused(Buffer.from('this is not a zip at all'), 400, 'INVALID_ARCHIVE');
    await expectRefused(Buffer.alloc(0), 400, 'INVALID_ARCHIVE');
    const good = await importZip([doc(1)]);
    await expectRefused(good.subarray(0, good.length - 30), 400, 'INVALID_ARCHIVE');
  });
});

describe('INVALID_METADATA', () => {
  it('refuses an archive without metadata.json at its root', async () => {
    await expectRefused(await zip([{ name: 'd1.pdf', data: pdf() }]), 400, 'INVALID_METADATA', /no metadata\.json/);
    await expectRefused(
      await zip([{ name: 'd1.pdf', data: pdf() }, { name: 'sub/metadata.json', data: metadata([doc(1)]) }]),
      400,
      'INVALID_METADATA',
    );
    await expectRefused(
      await zip([{ name: 'd1.pdf', data: pdf() }, { name: 'METADATA.JSON', data: metadata([doc(1)]) }]),
      400,
      'INVALID_METADATA',
    );
  });

  it('refuses metadata.json twice', async () => {
    const m = { name: 'metadata.json', data: metadata([doc(1)]) };
    await expectRefused(rawZip([{ name: 'd1.pdf', data: pdf() }, m, m]), 400, 'INVALID_METADATA', /2 times/);
  });

  it('refuses metadata that is not UTF-8 or not JSON', async () => {
    const latin1 = Buffer.from(metadata([{ fileName: 'café.pdf', entryIds: ['ent_001'] }]), 'latin1');
    await expectRefused(await zip([{ name: 'metadata.json', data: latin1 }]), 400, 'INVALID_METADATA', /UTF-8/);
    await expectRefused(await zip([{ name: 'metadata.json', data: '{"version": 1, "documents": [' }]), 400, 'INVALID_METADATA', /JSON/);
  });

  it.each([
    ['version 2', { version: 2, documents: [doc(1)] }],
    ['no documents', { version: 1, documents: [] }],
    ['documents missing', { version: 1 }],
    ['an unknown key', { version: 1, documents: [doc(1)], extra: true }],
    ['a document without entries', { version: 1, documents: [{ fileName: 'd1.pdf', entryIds: [] }] }],
    ['an empty file name', { version: 1, documents: [{ fileName: '', entryIds: ['ent_001'] }] }],
    ['entry ids that are numbers', { version: 1, documents: [{ fileName: 'd1.pdf', entryIds: [1] }] }],
    ['an array', [doc(1)]],
  ])('refuses metadata with %s', async (_label, json) => {
    const archive = await zip([{ name: 'd1.pdf', data: pdf() }, { name: 'metadata.json', data: JSON.stringify(json) }]);
    await expectRefused(archive, 400, 'INVALID_METADATA', /does not match/);
  });
});

describe('413 ARCHIVE_TOO_LARGE', () => {
  it('refuses more documents in metadata.json than the limit', async () => {
    const docs = [1, 2, 3, 4].map(doc);
    await expectRefused(await importZip(docs), 413, 'ARCHIVE_TOO_LARGE');
  });

  it('refuses more files in the archive than the limit, even if unnamed', async () => {
    await expectRefused(await importZip([doc(1)], [2, 3, 4].map((n) => ({ name: `x${n}.pdf`, data: pdf() }))), 413, 'ARCHIVE_TOO_LARGE');
  });

  it('accepts exactly the limits', async () => {
    // The afterEach checks nothing was imported; this test checks the boundary on a fresh sandbox.
    const other = await start({ entries: entries(5), limits: { archiveDocuments: 3 } });
    try {
      const res = await upload(other.url, await getToken(other.url), await importZip([1, 2, 3].map(doc)));
      expect(res.status).toBe(202);
      const archive = await importZip([doc(1)]);
      const exact = await start({ entries: entries(1), limits: { archiveBytes: archive.length } });
      try {
        const t = await getToken(exact.url);
        expect((await upload(exact.url, t, archive)).status).toBe(202);
        expect((await upload(exact.url, t, Buffer.concat([archive, Buffer.alloc(1)]))).status).toBe(413);
      } finally {
        await exact.close();
      }
    } finally {
      await other.close();
    }
  });

  it('refuses an archive over the byte limit, declared or streamed without a length', async () => {
    const big = rawZip([{ name: 'big.pdf', data: Buffer.concat([pdf(), Buffer.alloc(200 * 1024)]) }]);
    await expectRefused(big, 413, 'ARCHIVE_TOO_LARGE');

    // Streamed (chunked, no Content-Length): the part is cut at the limit, the answer still arrives.
    const boundary = 'sandbox-test-boundary';
    const parts = [
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\nContent-Type: application/zip\r\n\r\n`),
      Buffer.alloc(2 * 1024 * 1024, 7),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ];
    const res = await fetch(`${sb.url}/api/v1/documents/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: new ReadableStream({
        start(controller) {
          for (const p of parts) controller.enqueue(p);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ARCHIVE_TOO_LARGE');
  });
});

describe('request shape', () => {
  it('checks the Idempotency-Key length (1 to 255)', async () => {
    const archive = await importZip([doc(1)]);
    for (const key of ['', 'k'.repeat(256)]) {
      const res = await upload(sb.url, token, archive, { key });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_PARAMETER');
    }
  });

  it('wants multipart/form-data with one application/zip part named file', async () => {
    const archive = await importZip([doc(1)]);
    const raw = await fetch(`${sb.url}/api/v1/documents/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' },
      body: archive,
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe('INVALID_PARAMETER');

    const wrongName = await upload(sb.url, token, archive, { partName: 'archive' });
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.error).toMatchObject({ code: 'INVALID_PARAMETER', message: expect.stringMatching(/"archive"/) });

    const wrongType = await upload(sb.url, token, archive, { contentType: 'application/octet-stream' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toMatch(/application\/zip/);

    const empty = await fetch(`${sb.url}/api/v1/documents/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new FormData() });
    expect(empty.status).toBe(400);

    const two = new FormData();
    two.append('file', new Blob([archive], { type: 'application/zip' }), 'a.zip');
    two.append('file', new Blob([archive], { type: 'application/zip' }), 'b.zip');
    const twoFiles = await fetch(`${sb.url}/api/v1/documents/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: two });
    expect(twoFiles.status).toBe(400);
  });
});
