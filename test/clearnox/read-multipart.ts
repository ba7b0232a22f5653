// Reads a StreamedBody back with busboy, the parser the sandbox receives uploads with, so that
// what the client encodes is checked against what a server decodes.
import busboy from 'busboy';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StreamedBody } from '../../src/clearnox/multipart-body.js';

export interface ParsedPart {
  name: string;
  fileName: string | undefined;
  mimeType: string;
  bytes: Buffer;
}

export async function readMultipart(body: StreamedBody): Promise<{ parts: ParsedPart[]; bodyBytes: number }> {
  const parts: ParsedPart[] = [];
  let bodyBytes = 0;
  const counted = (async function* () {
    for await (const chunk of body.chunks) {
      bodyBytes += chunk.length;
      yield chunk;
    }
  })();
  // defParamCharset: the HTML form encoding (and so every browser) writes file names as UTF-8.
  const parser = busboy({ headers: { 'content-type': body.contentType }, defParamCharset: 'utf8' });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => parts.push({ name, fileName: info.filename, mimeType: info.mimeType, bytes: Buffer.concat(chunks) }));
    });
    parser.on('field', (name, value) => parts.push({ name, fileName: undefined, mimeType: 'text/plain', bytes: Buffer.from(value) }));
    parser.on('error', reject);
    parser.on('close', resolve);
  });
  await Promise.all([pipeline(Readable.from(counted, { objectMode: false }), parser), done]);
  return { parts, bodyBytes };
}
