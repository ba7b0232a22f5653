// Opening documents ahead of the archive: bounded, in order, and no failure lost or unheard.
import { PassThrough, type Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ReadAhead } from '../../src/pipeline/read-ahead.js';

describe('ReadAhead', () => {
  it('opens at most `depth` documents ahead, in order', async () => {
    const opened: number[] = [];
    let open = 0;
    let peak = 0;
    const streams: PassThrough[] = [];
    const ahead = new ReadAhead([0, 1, 2, 3, 4, 5, 6], async (i) => {
      opened.push(i);
      peak = Math.max(peak, ++open);
      const s = new PassThrough();
      s.once('close', () => open--);
      streams.push(s);
      return s;
    }, 3);
    for (let i = 0; i < 7; i++) {
      const { stream } = await ahead.take(i);
      stream!.destroy();
      await new Promise((r) => setImmediate(r));
    }
    expect(opened).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it('tells a failure at the document\'s turn, whether it came at opening or while waiting', async () => {
    const ahead = new ReadAhead(['ok', 'refused', 'dies'], async (name): Promise<Readable> => {
      if (name === 'refused') throw new Error('no such file');
      const s = new PassThrough();
      if (name === 'dies') setImmediate(() => s.destroy(new Error('connection lost')));
      return s;
    }, 3);
    const first = await ahead.take(0);
    await new Promise((r) => setTimeout(r, 10));
    expect((await ahead.take(1)).error).toEqual(new Error('no such file'));
    expect((await ahead.take(2)).error).toEqual(new Error('connection lost'));
    first.stream!.destroy();
  });

  it('closes what was opened and never taken', async () => {
    const streams: PassThrough[] = [];
    const ahead = new ReadAhead([1, 2, 3], async () => {
      const s = new PassThrough();
      streams.push(s);
      return s;
    }, 3);
    (await ahead.take(0)).stream!.destroy();
    ahead.dispose();
    await new Promise((r) => setTimeout(r, 10));
    expect(streams.every((s) => s.destroyed)).toBe(true);
  });
});
