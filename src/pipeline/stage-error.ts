// A failure that ends the run, with the step it happened in: the report and the log say "while
// <stage>", and the kind of the error underneath decides the exit code.
import { messageOf } from './classify.js';

export class StageError extends Error {
  override readonly name = 'StageError';
  constructor(
    readonly stage: string,
    readonly error: unknown,
  ) {
    super(messageOf(error));
  }
}

export async function stage<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw e instanceof StageError ? e : new StageError(name, e);
  }
}

/** Between steps: stops as soon as the operator asked, without cutting a step in half. */
export function checkpoint(signal: AbortSignal | undefined, stageName: string): void {
  if (signal?.aborted) throw new StageError(stageName, signal.reason);
}
