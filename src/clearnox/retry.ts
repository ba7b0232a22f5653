// The contract's answer to 429 and to 500-504 is "repeat" (with backoff; an upload with the same
// Idempotency-Key), and a connection cut while an archive is sent is what that key is for. A
// nightly run meeting one such failure should not stop and leave the night's documents unsent.
import { ClearnoxError, isRetryable } from './errors.js';
import type { RetryPolicy } from './http.js';

export const DEFAULT_REPEATS = 5;

export interface TransientRetryOptions {
  /** Repeats after the first attempt; 0 surfaces every failure at once. Default 5. */
  repeats?: number;
  /** Wait before the first repeat, doubled for each further one. Default 1 s. */
  firstDelayMs?: number;
  /** Longest wait between two attempts, Retry-After included. Default 30 s (Retry-After: 120 s). */
  maxDelayMs?: number;
  maxRetryAfterMs?: number;
  /** Source of the jitter (0 <= x < 1); tests fix it. */
  random?: () => number;
}

/**
 * Repeats what the error itself says is transient (`retryable`: 429, 5xx, a refused, cut or
 * timed-out connection; not a wrong host name, a refused certificate, nor any 4xx but 429).
 * Waits the server's Retry-After when it gives one, else 1, 2, 4, 8, 16 s... with jitter, so that
 * clients failed together by one outage do not come back together.
 */
export function transientRetry(opts: TransientRetryOptions = {}): RetryPolicy {
  const repeats = opts.repeats ?? DEFAULT_REPEATS;
  const first = opts.firstDelayMs ?? 1000;
  const max = opts.maxDelayMs ?? 30_000;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 120_000;
  const random = opts.random ?? Math.random;
  return {
    async run(attempt, context) {
      let waited = 0;
      for (let n = 1; ; n++) {
        try {
          return await attempt(n);
        } catch (err) {
          if (!isRetryable(err) || n > repeats) {
            if (n > 1 && err instanceof ClearnoxError) {
              err.message += ` (${n - 1} repeat${n > 2 ? 's' : ''} over ${Math.round(waited / 1000)} s did not help.)`;
            }
            throw err;
          }
          const backoff = Math.min(max, first * 2 ** (n - 1)) * (0.5 + random() / 2);
          const wait = Math.round(err.retryAfterMs === undefined ? backoff : Math.min(err.retryAfterMs, maxRetryAfter));
          context.onRetry?.(err, { repeat: n, repeats, waitMs: wait });
          await context.sleep(wait);
          waited += wait;
        }
      }
    },
  };
}
