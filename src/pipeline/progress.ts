// What a run tells a live display as it goes: small events at the few places where work is
// counted, so that the pipeline knows nothing of terminals and a display nothing of the pipeline.

/** The stages a person waits for, in the order a run reaches them. */
export const PROGRESS_STAGES = ['lookup', 'check', 'pack', 'upload'] as const;
export type ProgressStage = (typeof PROGRESS_STAGES)[number];

export type ProgressEvent =
  /** The stage begins; its total (numbers for the look-up, documents for the others) when already known. */
  | { type: 'start'; stage: ProgressStage; total?: number }
  /** The stage's total, once known: the documents to pack and send are known when every one is checked. */
  | { type: 'total'; stage: ProgressStage; total: number }
  /** `items` more done since the last event, holding `bytes`. */
  | { type: 'done'; stage: ProgressStage; items: number; bytes?: number }
  /** Where the stage stands, for work counted by others (the look-up's batches). */
  | { type: 'at'; stage: ProgressStage; done: number; total: number };

export type ProgressListener = (event: ProgressEvent) => void;
