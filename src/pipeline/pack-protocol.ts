// The messages between the run and its packing worker (pack-worker.ts, worker-sink.ts).

export type ToWorker =
  | { t: 'open'; file: string }
  | { t: 'add'; name: string }
  | { t: 'chunk'; data: Uint8Array }
  | { t: 'end' }
  /** The document's stream failed: the entry, and so the archive, is broken. */
  | { t: 'fail' }
  | { t: 'finish'; metadata: Uint8Array | null }
  | { t: 'abort' };

export type FromWorker =
  /** One chunk is in the archive's pipeline: the run may send another. */
  | { t: 'ack' }
  | { t: 'added'; streamFailed?: true; error?: string }
  | { t: 'finished'; bytes: number; sha256: string }
  | { t: 'error'; error: string };

/** Chunks sent ahead of the worker's acknowledgements: about 1 MiB of 64 KiB reads. */
export const CHUNKS_IN_FLIGHT = 16;
