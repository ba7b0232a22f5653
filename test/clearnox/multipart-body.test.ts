// The upload's body: one file part that busboy (the sandbox's parser) reads back byte for byte,
// read from disk in large pieces (the upload's speed depends on it: bench/upload.bench.ts),
// sent by the real transport with its Content-Length.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { ProtocolError } from '../../src/clearnox/errors.js';
import { UndiciTransport } from '../../src/clearnox/http.js';
import { FileChangedError, READ_BYTES, fileFormBody } from '../../src/clearnox/multipart-body.js';
import { readMultipart } from './read-multipart.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearnox-multipart-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

const zipPart = (fileName: string) => ({ name: 'file', fileName, contentType: 'application/zip' });

describe('a file as a multipart/form-data body', () => {
  it('is one "file" part that busboy reads back exactly, as long as its Content-Length says', async () => {
    const bytes = randomBytes(2 * READ_BYTES + 12_345);
    const body = await fileFormBody(await file('archive-0001.zip', bytes), zipPart('archive-0001.zip'));
    expect(body.contentType).toMatch(/^multipart\/form-data; boundary=clearnox-sync-[0-9a-f]{32}$/);
    const { parts, bodyBytes } = await readMultipart(body);
    expect(bodyBytes).toBe(body.contentLength);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ name: 'file', fileName: 'archive-0001.zip', mimeType: 'application/zip' });
    expect(parts[0]!.bytes.equals(bytes)).toBe(true);
  });

  it('reads the file in pieces of 1 MiB, not the 64 KiB of a Blob stream', async () => {
    const body = await fileFormBody(await file('sizes.zip', Buffer.alloc(2 * READ_BYTES + 100, 1)), zipPart('sizes.zip'));
    const sizes: number[] = [];
    for await (const chunk of body.chunks) sizes.push(chunk.length);
    // The part's head, the file in three reads, the closing boundary.
    expect(sizes.slice(1, -1)).toEqual([READ_BYTES, READ_BYTES, 100]);
    expect(READ_BYTES).toBe(1024 * 1024);
  });

  it('keeps a quote or a line break in a name from ending the header, and sends other names as UTF-8', async () => {
    const path = await file('odd.zip', Buffer.from('PK'));
    const odd = await readMultipart(await fileFormBody(path, zipPart('a"b\r\nX-Injected: 1.zip')));
    expect(odd.parts).toHaveLength(1);
    expect(odd.parts[0]!.fileName).toBe('a%22b%0D%0AX-Injected: 1.zip');
    const accented = await readMultipart(await fileFormBody(path, zipPart('relevé-été.zip')));
    expect(accented.parts[0]!.fileName).toBe('relevé-été.zip');
  });

  it('sends an empty file as an empty part', async () => {
    const body = await fileFormBody(await file('empty.zip', Buffer.alloc(0)), zipPart('empty.zip'));
    const { parts, bodyBytes } = await readMultipart(body);
    expect(bodyBytes).toBe(body.contentLength);
    expect(parts.map((p) => p.bytes.length)).toEqual([0]);
  });

  it('fails plainly when the file shrinks after being measured, without sending a short body', async () => {
    const path = await file('shrinks.zip', Buffer.alloc(3 * READ_BYTES, 2));
    const body = await fileFormBody(path, zipPart('shrinks.zip'));
    await truncate(path, READ_BYTES);
    await expect(readMultipart(body)).rejects.toThrow(FileChangedError);
  });
});

describe('the transport with a streamed body', () => {
  let server: http.Server;
  let port: number;
  const seen: Array<{ url: string; headers: http.IncomingHttpHeaders; bytes: number }> = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        seen.push({ url: req.url!, headers: req.headers, bytes });
        if (req.url === '/oauth/token') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'tok-streamed', token_type: 'Bearer', expires_in: 3600 }));
        res.writeHead(308, { location: 'https://elsewhere.example/api/v1/documents/imports' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('rethrows a file that changed as it is, not as a network failure', async () => {
    const path = await file('changes.zip', Buffer.alloc(3 * READ_BYTES, 3));
    const transport = new UndiciTransport({ timeoutMs: 10_000, userAgent: 'test' });
    try {
      const body = await fileFormBody(path, zipPart('changes.zip'));
      await truncate(path, 10);
      const sent = transport.send({ operation: 'upload', method: 'POST', url: new URL(`http://127.0.0.1:${port}/x`), headers: {}, body: async () => body });
      await expect(sent).rejects.toThrow(FileChangedError);
    } finally {
      await transport.close();
    }
  });

  it('answers a redirect with where it points, and follows it with neither the archive nor the token', async () => {
    seen.length = 0;
    const path = await file('archive-0002.zip', Buffer.alloc(5000, 4));
    const client = new ClearnoxClient({ baseUrl: `http://127.0.0.1:${port}`, clientId: 'id', clientSecret: 'secret-redirect', retries: 0 });
    try {
      const e = await client.uploadArchive(path, 'k-redirect').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as Error).message).toMatch(/308.*redirecting to https:\/\/elsewhere\.example\/api\/v1\/documents\/imports.*clearnox\.baseUrl/);
    } finally {
      await client.close();
    }
    const upload = seen.find((s) => s.url === '/api/v1/documents/imports')!;
    expect(Number(upload.headers['content-length'])).toBe(upload.bytes);
    expect(upload.bytes).toBeGreaterThan(5000);
    expect(upload.headers['transfer-encoding']).toBeUndefined();
    expect(seen.map((s) => s.url)).toEqual(['/oauth/token', '/api/v1/documents/imports']);
  });
});
