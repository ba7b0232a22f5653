// Writes one archive to a temporary file: PDFs stored as they are (already compressed), one
// after the other while the next few are opened (read-ahead.ts), metadata.json last, naming only
// what went in. Nothing is held whole in memory; the archive's SHA-256 is computed on the way to disk.
import archiver from 'archiver';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { DocumentStore } from '../../adapters/types.js';
import type { Metadata } from '../clearnox/contract.js';
import { openPdf } from './document-check.js';
import { ReadAhead } from './read-ahead.js';

export interface PackItem {
  key: string;
  documentNumber: string;
  fileName: string;
  path: string;
  size: number;
  entryIds: string[];
}

export interface PackedArchive {
  file: string;
  bytes: number;
  sha256: string;
  included: PackItem[];
  skipped: { item: PackItem; error: unknown }[];
}

// A fixed entry date makes the same documents give the same bytes, hence the same
// Idempotency-Key when an archive is sent again.
const ENTRY_DATE = new Date('2020-01-01T00:00:00Z');

/** Documents opened ahead of the one being written. */
const READ_AHEAD = 8;

class StreamFailure extends Error {
  override readonly name = 'StreamFailure';
  constructor(
    readonly item: PackItem,
    readonly error: unknown,
  ) {
    super('document stream failed');
  }
}

export async function packArchive(
  items: PackItem[],
  store: DocumentStore,
  opts: { file: string; maxDocumentBytes: number },
): Promise<PackedArchive> {
  const skipped: PackedArchive['skipped'] = [];
  let remaining = items;
  // A file that fails half-way leaves a broken archive: start again without it.
  for (;;) {
    try {
      const written = await writeArchive(remaining, store, opts, skipped);
      return { ...written, skipped };
    } catch (e) {
      await rm(opts.file, { force: true });
      if (!(e instanceof StreamFailure)) throw e;
      skipped.push({ item: e.item, error: e.error });
      remaining = remaining.filter((i) => i !== e.item);
    }
  }
}

async function writeArchive(
  items: PackItem[],
  store: DocumentStore,
  opts: { file: string; maxDocumentBytes: number },
  skipped: PackedArchive['skipped'],
): Promise<Omit<PackedArchive, 'skipped'>> {
  const archive = archiver('zip', { store: true });
  const output = createWriteStream(opts.file);
  const hash = createHash('sha256');
  let bytes = 0;
  archive.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  let failure: unknown = null;
  const failed = new Promise<never>((_, reject) => {
    archive.on('error', (e) => reject((failure ??= e)));
    output.on('error', (e) => reject((failure ??= e)));
  });
  failed.catch(() => {});
  archive.pipe(output);

  const included: PackItem[] = [];
  let current: { item: PackItem; error?: unknown } | null = null;
  const ahead = new ReadAhead(items, (item) => openPdf(store, item.path, opts.maxDocumentBytes), READ_AHEAD);
  try {
    for (const [index, item] of items.entries()) {
      const opened = await ahead.take(index);
      if (opened.error !== undefined) {
        opened.stream?.destroy();
        skipped.push({ item, error: opened.error });
        continue;
      }
      const stream = opened.stream!;
      const entry: { item: PackItem; error?: unknown } = { item };
      current = entry;
      const streamFailed = new Promise<never>((_, reject) => {
        stream.once('error', (error) => {
          entry.error = error;
          reject(new StreamFailure(item, error));
        });
      });
      archive.append(stream, { name: item.fileName, date: ENTRY_DATE });
      await Promise.race([once(archive, 'entry'), streamFailed, failed]);
      included.push(item);
      current = null;
    }
    if (included.length > 0) {
      const metadata: Metadata = {
        version: 1,
        documents: included.map((i) => ({ fileName: i.fileName, documentNumber: i.documentNumber, entryIds: i.entryIds })),
      };
      archive.append(Buffer.from(JSON.stringify(metadata, null, 2), 'utf8'), { name: 'metadata.json', date: ENTRY_DATE });
    }
    // finalize() resolves before the file is fully written; the output's close is the end.
    const closed = once(output, 'close');
    await Promise.race([archive.finalize(), failed]);
    await Promise.race([closed, failed]);
  } catch (e) {
    archive.abort();
    output.destroy();
    // The archive may report the failure before the document's own stream does.
    if (current?.error !== undefined) throw new StreamFailure(current.item, current.error);
    throw e;
  } finally {
    ahead.dispose();
  }
  return { file: opts.file, bytes, sha256: hash.digest('hex'), included };
}
