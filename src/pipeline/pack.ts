// Writes one archive to a temporary file: PDFs stored as they are (already compressed), one
// after the other while the next few are opened (read-ahead.ts), metadata.json last, naming only
// what went in. Nothing is held whole in memory; the archive's SHA-256 is computed on the way to disk.
import { rm } from 'node:fs/promises';
import type { DocumentStore } from '../../adapters/types.js';
import type { Metadata } from '../clearnox/contract.js';
import { openPdf } from './document-check.js';
import { ReadAhead } from './read-ahead.js';
import { archiverSink, isStreamFailure, type ArchiveSink } from './zip-sink.js';

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

/** Documents opened ahead of the one being written. */
const READ_AHEAD = 8;

/** Where the archives are assembled: in this thread by default, or in the packing worker. */
export type SinkFactory = (file: string) => ArchiveSink;

export async function packArchive(
  items: PackItem[],
  store: DocumentStore,
  opts: { file: string; maxDocumentBytes: number; sink?: SinkFactory },
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
      if (!(e instanceof ItemFailure)) throw e;
      skipped.push({ item: e.item, error: e.error });
      remaining = remaining.filter((i) => i !== e.item);
    }
  }
}

class ItemFailure extends Error {
  override readonly name = 'ItemFailure';
  constructor(
    readonly item: PackItem,
    readonly error: unknown,
  ) {
    super('document stream failed');
  }
}

async function writeArchive(
  items: PackItem[],
  store: DocumentStore,
  opts: { file: string; maxDocumentBytes: number; sink?: SinkFactory },
  skipped: PackedArchive['skipped'],
): Promise<Omit<PackedArchive, 'skipped'>> {
  const sink = (opts.sink ?? archiverSink)(opts.file);
  const included: PackItem[] = [];
  const ahead = new ReadAhead(items, (item) => openPdf(store, item.path, opts.maxDocumentBytes), READ_AHEAD);
  try {
    for (const [index, item] of items.entries()) {
      const opened = await ahead.take(index);
      if (opened.error !== undefined) {
        opened.stream?.destroy();
        skipped.push({ item, error: opened.error });
        continue;
      }
      try {
        await sink.add(item.fileName, opened.stream!);
      } catch (e) {
        throw isStreamFailure(e) ? new ItemFailure(item, e.error) : e;
      }
      included.push(item);
    }
    const metadata: Metadata | null =
      included.length > 0 ? { version: 1, documents: included.map((i) => ({ fileName: i.fileName, documentNumber: i.documentNumber, entryIds: i.entryIds })) } : null;
    const { bytes, sha256 } = await sink.finish(metadata ? Buffer.from(JSON.stringify(metadata, null, 2), 'utf8') : null);
    return { file: opts.file, bytes, sha256, included };
  } catch (e) {
    sink.abort();
    throw e;
  } finally {
    ahead.dispose();
  }
}
