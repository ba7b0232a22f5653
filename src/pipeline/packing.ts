// Packs the archives one after the other, one ahead of the one being sent: the next is read from
// the store while this one uploads and Clearnox processes the one before, so slow shares and slow
// uplinks overlap. At most two archives of this run are on disk at a time.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pMapIterable } from 'p-map';
import type { DocumentStore } from '../../adapters/types.js';
import { packArchive, type PackedArchive, type PackItem, type SinkFactory } from './pack.js';
import type { ProgressListener } from './progress.js';
import { stage } from './stage-error.js';

export interface NumberedArchive extends PackedArchive {
  /** 1 for the run's first archive. */
  index: number;
}

export interface Packing {
  archives: AsyncIterable<NumberedArchive>;
  /**
   * Waits for an archive still being packed and removes what was packed and not taken: the store
   * must not be closed, nor the folder removed, under an archive being written.
   */
  drain(): Promise<void>;
}

export function packArchives(plans: AsyncIterable<PackItem[]>, store: DocumentStore, opts: { dir: string; maxDocumentBytes: number; sink?: SinkFactory; progress?: ProgressListener }): Packing {
  const untaken = new Map<number, Promise<NumberedArchive>>();
  let index = 0;
  const packed = pMapIterable(
    plans,
    (items) => {
      const n = ++index;
      const file = path.join(opts.dir, `archive-${String(n).padStart(4, '0')}.zip`);
      const packing = stage('reading the documents', () => packArchive(items, store, { file, maxDocumentBytes: opts.maxDocumentBytes, ...(opts.sink ? { sink: opts.sink } : {}) })).then((p) => ({ ...p, index: n }));
      untaken.set(n, packing);
      packing.then((p) => opts.progress?.({ type: 'done', stage: 'pack', items: p.included.length + p.skipped.length, bytes: p.bytes }), () => undefined);
      packing.catch(() => untaken.delete(n));
      return packing;
    },
    { concurrency: 1, backpressure: 1 },
  );
  return {
    archives: (async function* () {
      for await (const archive of packed) {
        untaken.delete(archive.index);
        yield archive;
      }
    })(),
    async drain() {
      await Promise.allSettled([...untaken.values()].map((p) => p.then((a) => rm(a.file, { force: true }))));
      untaken.clear();
    },
  };
}
