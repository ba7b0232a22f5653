import { describe, expect, it } from 'vitest';
import { RequestPacer } from '../../src/clearnox/pacer.js';

// A clock that only moves when the pacer sleeps: the test sees exactly when each request starts.
function clockedPacer(perSecond: number, marginMs = 0) {
  let t = 0;
  const sleeps: number[] = [];
  const pacer = new RequestPacer(
    perSecond,
    async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    () => t,
    marginMs,
  );
  return { pacer, sleeps, now: () => t, advance: (ms: number) => (t += ms) };
}

describe('RequestPacer', () => {
  it('lets the first N requests of a second go at once, then waits for the window', async () => {
    const { pacer, sleeps, now } = clockedPacer(10);
    const starts: number[] = [];
    for (let i = 0; i < 25; i++) {
      await pacer.slot();
      starts.push(now());
    }
    expect(starts.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(starts.slice(10, 20)).toEqual(Array(10).fill(1000));
    expect(starts.slice(20)).toEqual(Array(5).fill(2000));
    // No one-second window ever holds more than 10 starts.
    for (const s of starts) expect(starts.filter((x) => x >= s && x < s + 1000).length).toBeLessThanOrEqual(10);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('adds the margin, since the server counts arrivals', async () => {
    const { pacer, now } = clockedPacer(2, 50);
    await pacer.slot();
    await pacer.slot();
    await pacer.slot();
    expect(now()).toBe(1050);
  });

  it('does not wait when requests are already spread out', async () => {
    const { pacer, sleeps, advance } = clockedPacer(2);
    for (let i = 0; i < 6; i++) {
      await pacer.slot();
      advance(600);
    }
    expect(sleeps).toEqual([]);
  });

  it('serves concurrent callers in order without exceeding the rate', async () => {
    const { pacer, now } = clockedPacer(3);
    const order: [number, number][] = [];
    await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => pacer.slot().then(() => order.push([i, now()]))));
    expect(order.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(order.map(([, t]) => t)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('refuses a rate below one request a second', () => {
    expect(() => new RequestPacer(0, async () => {})).toThrow(RangeError);
  });
});
