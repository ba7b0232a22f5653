import type { DatabaseSource, LookupBatch } from '../../adapters/types.js';

/** Wraps a source to record the batches it is asked: "one query per batch" is checked on these. */
export function counting(source: DatabaseSource): DatabaseSource & { calls: LookupBatch[] } {
  const calls: LookupBatch[] = [];
  return {
    maxBatchSize: source.maxBatchSize,
    calls,
    lookup: (b) => {
      calls.push(b);
      return source.lookup(b);
    },
    close: () => source.close(),
  };
}
