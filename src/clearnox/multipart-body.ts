// One file from disk as a multipart/form-data body (RFC 7578), which is all an upload sends.
// Not undici's FormData: fetch streams a FormData's disk-backed Blob through several Web Streams
// in 64 KiB pieces, and that cost held uploads to half of curl's speed (bench/upload.bench.ts).
// form-data-encoder re-cuts every read into copied 64 KiB pieces too.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ClearnoxSyncError } from '../errors.js';

export interface StreamedBody {
  contentType: string;
  /** Known before the first byte is sent, so the request has a Content-Length and is not chunked. */
  contentLength: number;
  /** Iterated once; the file is opened on the first read and closed when the iteration ends. */
  chunks: AsyncIterable<Uint8Array>;
}

export interface FilePart {
  /** The form field, e.g. "file". */
  name: string;
  fileName: string;
  contentType: string;
}

/**
 * Bytes read from disk at a time. Every chunk costs a promise and a socket write; at 1 MiB that
 * cost is small beside copying the bytes, and memory stays a few MiB whatever the file's size.
 */
export const READ_BYTES = 1024 * 1024;

/**
 * The file changed size between measuring it for Content-Length and sending it. The archives sit
 * in the run's own folder, readable by its account only: nothing should touch them, so this is
 * told as a fault of the program (exit 1), with the file's name.
 */
export class FileChangedError extends ClearnoxSyncError {
  override readonly name = 'FileChangedError';
  readonly kind = 'internal';
}

// The HTML form encoding's escapes for names in Content-Disposition: a quote or a line break
// would otherwise end the parameter or the header.
const escapeName = (s: string) => s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** Measures the file now; reads it only while the body is iterated. */
export async function fileFormBody(path: string, part: FilePart): Promise<StreamedBody> {
  const { size } = await stat(path);
  const boundary = `clearnox-sync-${randomBytes(16).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(part.name)}"; filename="${escapeName(part.fileName)}"\r\n` +
      `Content-Type: ${part.contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield head;
    let read = 0;
    if (size > 0) {
      for await (const chunk of createReadStream(path, { start: 0, end: size - 1, highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
        read += chunk.length;
        yield chunk;
      }
    }
    if (read !== size) throw new FileChangedError(`${path} shrank from ${size} to ${read} bytes while it was being sent`);
    yield tail;
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, contentLength: head.length + size + tail.length, chunks: chunks() };
}
