// A document is checked while it is opened for packing, so each file is read once: the first
// bytes are peeked (and put back) to refuse what is not a PDF before the archive holds any of it.
import { Transform, type Readable } from 'node:stream';
import { DocumentError, type DocumentStore } from '../../adapters/types.js';
import { PDF_MAGIC } from '../clearnox/contract.js';

export type InvalidReason = 'empty_file' | 'too_large' | 'not_a_pdf';

export class InvalidDocumentError extends Error {
  constructor(
    readonly reasonCode: InvalidReason,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidDocumentError';
  }
}

const MiB = 1024 * 1024;

export async function statDocument(store: DocumentStore, path: string, maxBytes: number): Promise<number> {
  const { size } = await store.stat(path);
  if (size === 0) throw new InvalidDocumentError('empty_file', `the file "${path}" is empty`);
  if (size > maxBytes) {
    throw new InvalidDocumentError(
      'too_large',
      `the file "${path}" is ${(size / MiB).toFixed(1)} MiB, over the ${(maxBytes / MiB).toFixed(0)} MiB allowed per document`,
    );
  }
  return size;
}

/** Opens a document that has passed `statDocument`; the stream fails if the file grows past the limit. */
export async function openPdf(store: DocumentStore, path: string, maxBytes: number): Promise<Readable> {
  const source = await store.open(path);
  let head: Buffer;
  try {
    head = await readHead(source, PDF_MAGIC.length);
  } catch (e) {
    source.destroy();
    throw e instanceof DocumentError ? e : new DocumentError('unreadable', `cannot read "${path}": ${(e as Error).message}`, { cause: e });
  }
  if (head.length === 0) {
    source.destroy();
    throw new InvalidDocumentError('empty_file', `the file "${path}" is empty`);
  }
  if (!head.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC)) {
    source.destroy();
    throw new InvalidDocumentError('not_a_pdf', `the file "${path}" is not a PDF (it does not start with %PDF-)`);
  }
  source.unshift(head);
  return source.pipe(sizeGuard(path, maxBytes, source));
}

function sizeGuard(path: string, maxBytes: number, source: Readable): Transform {
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) {
        done(new InvalidDocumentError('too_large', `the file "${path}" grew past ${(maxBytes / MiB).toFixed(0)} MiB while it was read`));
        return;
      }
      done(null, chunk);
    },
  });
  // pipe() does not forward errors: a store read failure must reach whoever reads the guard.
  source.once('error', (e) => guard.destroy(e));
  guard.once('close', () => source.destroy());
  return guard;
}

function readHead(stream: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (length < n && (chunk = stream.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        length += chunk.length;
      }
      if (length >= n) finish();
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      stream.off('readable', onReadable);
      stream.off('end', finish);
      stream.off('error', onError);
    };
    stream.on('readable', onReadable);
    stream.on('end', finish);
    stream.on('error', onError);
  });
}
