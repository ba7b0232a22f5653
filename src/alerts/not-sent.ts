/** An alert that could not be sent; its message says why and what to do, already masked. */
export class AlertNotSentError extends Error {
  override readonly name = 'AlertNotSentError';
}

/** A time allowed, as a message says it: "30 s", "0.3 s". */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
