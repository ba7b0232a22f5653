// The contract's "over 10 requests a second" limit, per access token, as a sliding one-second
// window. Only accepted requests count, so a client that waits as told by Retry-After gets through.
export class RateLimiter {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {
    if (!(perSecond >= 1)) throw new Error(`rateLimit.perSecond must be at least 1, not ${perSecond}`);
  }

  /** null when the request may go ahead (and is counted), else the seconds to wait. */
  retryAfter(token: string): number | null {
    const now = this.now();
    const times = (this.recent.get(token) ?? []).filter((t) => now - t < 1000);
    if (times.length >= this.perSecond) {
      this.recent.set(token, times);
      const oldest = times[0]!;
      return Math.max(1, Math.ceil((1000 - (now - oldest)) / 1000));
    }
    times.push(now);
    this.recent.set(token, times);
    return null;
  }
}
