// The default retry policy on its own: what it repeats, how long it waits, when it gives up.
import { describe, expect, it } from 'vitest';
import { InvalidRequestError, NetworkError, RateLimitedError, ServerError, type ClearnoxError } from '../../src/clearnox/errors.js';
import type { RetryContext } from '../../src/clearnox/http.js';
import { transientRetry } from '../../src/clearnox/retry.js';

const unavailable = (retryAfterMs?: number) =>
  new ServerError({ status: 503, code: 'UNAVAILABLE', serverMessage: '', operation: 'upload', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
const limited = (retryAfterMs?: number) =>
  new RateLimitedError({ status: 429, code: 'RATE_LIMITED', serverMessage: '', operation: 'entries', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
const cut = () => new NetworkError('reset', 'api.clearnox.com', 'upload', 'ECONNRESET');

/** Runs the policy over `failures` (then success) and records the waits and the repeats told. */
async function run(failures: unknown[], options: Parameters<typeof transientRetry>[0] = {}) {
  const waits: number[] = [];
  const told: Array<{ code: unknown; repeat: number; repeats: number; waitMs: number }> = [];
  let attempts = 0;
  const context: RetryContext = {
    operation: 'upload',
    sleep: async (ms) => void waits.push(ms),
    onRetry: (e: ClearnoxError, next) => told.push({ code: (e as { code?: unknown }).code ?? e.name, ...next }),
  };
  const result = await transientRetry({ random: () => 0.5, ...options })
    .run(async (n) => {
      attempts = n;
      if (n <= failures.length) throw failures[n - 1];
      return 'done';
    }, context)
    .catch((e: unknown) => e);
  return { result, waits, told, attempts };
}

describe('transientRetry', () => {
  it('repeats 5xx, 429 and cut connections, waiting 1, 2, 4 s... with jitter (here x0.75)', async () => {
    const { result, waits, attempts, told } = await run([unavailable(), cut(), limited(), unavailable()]);
    expect(result).toBe('done');
    expect(attempts).toBe(5);
    expect(waits).toEqual([750, 1500, 3000, 6000]);
    expect(told.map((t) => [t.code, t.repeat, t.repeats])).toEqual([['UNAVAILABLE', 1, 5], ['NetworkError', 2, 5], ['RATE_LIMITED', 3, 5], ['UNAVAILABLE', 4, 5]]);
  });

  it('waits what Retry-After asks instead, up to its cap', async () => {
    const { waits } = await run([limited(2000), unavailable(7000), unavailable(600_000)]);
    expect(waits).toEqual([2000, 7000, 120_000]);
  });

  it('keeps the backoff under maxDelayMs, and the jitter within half of it', async () => {
    const slow = await run(Array.from({ length: 8 }, () => unavailable()), { repeats: 8, random: () => 0.999 });
    expect(slow.waits.at(-1)).toBeLessThanOrEqual(30_000);
    expect(slow.waits.at(-1)).toBeGreaterThan(29_000);
    const fast = await run([unavailable()], { random: () => 0 });
    expect(fast.waits).toEqual([500]);
  });

  it('never repeats what repeating cannot fix', async () => {
    const refusals = [
      new InvalidRequestError({ status: 400, code: 'INVALID_METADATA', serverMessage: '', operation: 'upload' }),
      new NetworkError('dns', 'api.clearnox.invalid', 'token', 'ENOTFOUND'),
      new NetworkError('tls', 'api.clearnox.com', 'token', 'SELF_SIGNED_CERT_IN_CHAIN'),
      new Error('a bug, not a network failure'),
    ];
    for (const refusal of refusals) {
      const { result, attempts, waits } = await run([refusal]);
      expect(result).toBe(refusal);
      expect(attempts).toBe(1);
      expect(waits).toEqual([]);
    }
  });

  it('gives up after its repeats with the last error, saying how long it tried', async () => {
    const last = unavailable();
    const { result, attempts, waits } = await run([unavailable(), unavailable(), unavailable(), last], { repeats: 3 });
    expect(result).toBe(last);
    expect(attempts).toBe(4);
    expect(waits).toEqual([750, 1500, 3000]);
    expect((result as Error).message).toMatch(/\(3 repeats over 5 s did not help\.\)$/);
  });

  it('with repeats: 0, surfaces the first failure', async () => {
    const first = unavailable();
    const { result, attempts } = await run([first], { repeats: 0 });
    expect(result).toBe(first);
    expect(attempts).toBe(1);
    expect((result as Error).message).not.toMatch(/did not help/);
  });
});
