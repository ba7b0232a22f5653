// The contract allows 10 requests a second per client. A run reads pages, uploads and polls in
// quick succession; pacing itself keeps it under the limit instead of meeting 429s, each of which
// costs a wait and one of the repeats the retry policy allows (retry.ts) before the run stops.

export class RequestPacer {
  private readonly starts: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  /**
   * @param perSecond requests allowed in any one-second window
   * @param marginMs extra spacing, because the server counts arrivals, not departures
   */
  constructor(
    private readonly perSecond: number,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly now: () => number = Date.now,
    private readonly marginMs = 50,
  ) {
    if (!(perSecond >= 1)) throw new RangeError(`requests per second must be at least 1, not ${perSecond}`);
  }

  /** Resolves when one more request may start; callers are served in order. */
  slot(): Promise<void> {
    const turn = this.queue.then(() => this.take());
    this.queue = turn.catch(() => {});
    return turn;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.starts.length > 0 && now - this.starts[0]! >= 1000 + this.marginMs) this.starts.shift();
      if (this.starts.length < this.perSecond) {
        this.starts.push(now);
        return;
      }
      await this.sleep(this.starts[0]! + 1000 + this.marginMs - now);
    }
  }
}
