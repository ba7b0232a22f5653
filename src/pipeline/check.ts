// Checks each candidate document in the store (it exists, is a file, is not too large) a few at a
// time, and hands them on in the entries' order as soon as each is known, so that packing starts
// while later documents are still being checked. The order makes runs over the same data build
// the same archives.
import { pMapIterable } from 'p-map';
import type { DocumentStore } from '../../adapters/types.js';
import type { Candidate } from './candidates.js';
import { openPdf, statDocument } from './document-check.js';
import { FileNamer } from './file-names.js';
import type { OutcomeLedger } from './ledger.js';
import type { PackItem } from './pack.js';
import type { ProgressListener } from './progress.js';

export interface CheckOptions {
  maxDocumentBytes: number;
  /** Documents checked at once. */
  concurrency: number;
  ledger: OutcomeLedger;
  progress?: ProgressListener;
}

export async function* checkedDocuments(candidates: Candidate[], store: DocumentStore, opts: CheckOptions): AsyncGenerator<PackItem> {
  const namer = new FileNamer();
  const checked = pMapIterable(
    candidates,
    async (c) => {
      try {
        return { c, size: await statDocument(store, c.path, opts.maxDocumentBytes) };
      } catch (error) {
        return { c, error };
      }
    },
    { concurrency: opts.concurrency },
  );
  for await (const result of checked) {
    const { group, path } = result.c;
    opts.progress?.({ type: 'done', stage: 'check', items: 1, ...('size' in result ? { bytes: result.size } : {}) });
    if ('error' in result) {
      opts.ledger.documentFailed(group.key, path, result.error);
      continue;
    }
    yield { key: group.key, documentNumber: group.documentNumber, fileName: namer.next(group.documentNumber), path, size: result.size, entryIds: group.entries.map((e) => e.id) };
  }
}

/** A dry run reads the start of each document, as packing would, and sends nothing. */
export async function confirmReadable(items: AsyncIterable<PackItem>, store: DocumentStore, opts: CheckOptions): Promise<void> {
  const opened = pMapIterable(
    items,
    async (item) => {
      try {
        (await openPdf(store, item.path, opts.maxDocumentBytes)).destroy();
        return { item };
      } catch (error) {
        return { item, error };
      }
    },
    { concurrency: opts.concurrency },
  );
  for await (const result of opened) {
    if ('error' in result) opts.ledger.documentFailed(result.item.key, result.item.path, result.error);
    else opts.ledger.wouldAttach(result.item);
  }
}
