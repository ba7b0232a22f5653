// The upload's body: one file part that busboy (the sandbox's parser) reads back byte for byte,
// read from disk in large pieces (the upload's speed depends on it: bench/upload.bench.ts).
import { randomBytes } from 'node:crypto';
import { truncate } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FileChangedError, READ_BYTES, fileFormBody } from '../../src/clearnox/multipart-body.js';
import { archiveFiles, zipPart } from './archive-files.js';
import { readMultipart } from './read-multipart.js';

const file = archiveFiles('clearnox-multipart-');

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
