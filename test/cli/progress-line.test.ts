// The live line: drawn on a terminal only, at most every 200 ms, cleared before a log line and at
// the end; counts, MiB, speed and time left from the events and the clock.
import { afterEach, describe, expect, it } from 'vitest';
import { ProgressLine, progressLineFor } from '../../src/cli/progress.js';

const MiB = 1024 * 1024;
const CLEAR = '\r\x1b[K';

function terminal(columns = 200) {
  const writes: string[] = [];
  return { isTTY: true, columns, writes, write: (t: string) => writes.push(t) };
}

let line: ProgressLine | null = null;
afterEach(() => line?.stop());

describe('progressLineFor', () => {
  it('gives nothing for a stream that is not a terminal, or with -q', () => {
    const pipe = { isTTY: false, writes: [] as string[], write(t: string) { this.writes.push(t); } };
    expect(progressLineFor(pipe)).toBeNull();
    expect(progressLineFor({ ...terminal() }, { quiet: true })).toBeNull();
    expect(progressLineFor({ write: () => true })).toBeNull();
    expect(pipe.writes).toEqual([]);
  });
});

describe('the live line', () => {
  it('shows each stage done/total, the MiB sent, the speed and the time left, from an injected clock', () => {
    let t = 0;
    const tty = terminal();
    line = progressLineFor(tty, { now: () => t })!;
    line.listener({ type: 'start', stage: 'lookup' });
    t = 500;
    line.listener({ type: 'at', stage: 'lookup', done: 2000, total: 2000 });
    line.listener({ type: 'start', stage: 'check', total: 100 });
    t = 1000;
    for (let i = 0; i < 50; i++) line.listener({ type: 'done', stage: 'check', items: 1, bytes: MiB });
    line.listener({ type: 'start', stage: 'pack' });
    line.listener({ type: 'start', stage: 'upload' });
    t = 11_000;
    line.listener({ type: 'done', stage: 'pack', items: 40, bytes: 40 * MiB });
    line.listener({ type: 'done', stage: 'upload', items: 20, bytes: 20 * MiB });
    // Before every document is checked, those to send are at most the 100 being checked. The
    // upload: 20 MiB in 10 s, 20 of 100 documents: 40 s more; the slowest stage decides.
    expect(line.text()).toBe('checked 50/100 documents · packed 40/100 documents · sent 20/100 documents (20.0 MiB, 2.0 MiB/s) · 40 s left');
    t = 21_000;
    for (let i = 0; i < 50; i++) line.listener({ type: 'done', stage: 'check', items: 1, bytes: MiB });
    // Two were not found valid: 98 to pack and send.
    line.listener({ type: 'total', stage: 'pack', total: 98 });
    line.listener({ type: 'total', stage: 'upload', total: 98 });
    line.listener({ type: 'done', stage: 'pack', items: 40, bytes: 40 * MiB });
    line.listener({ type: 'done', stage: 'upload', items: 29, bytes: 29 * MiB });
    // The finished look-up and check give their place to the stages still going; 49 of 98 sent
    // in 20 s: 20 s more.
    expect(line.text()).toBe('packed 80/98 documents · sent 49/98 documents (49.0 MiB, 2.5 MiB/s) · 20 s left');
    t = 81_000;
    line.listener({ type: 'done', stage: 'pack', items: 18, bytes: 18 * MiB });
    line.listener({ type: 'done', stage: 'upload', items: 49, bytes: 49 * MiB - 1 });
    expect(line.text()).toBe('sent 98/98 documents (98.0 MiB, 1.2 MiB/s)');
  });

  it('shows the look-up and the check while they run, and a total not known as ?', () => {
    let t = 0;
    line = new ProgressLine(terminal(), { now: () => t });
    line.listener({ type: 'start', stage: 'lookup' });
    expect(line.text()).toBe('look-up 0/? numbers');
    t = 1000;
    line.listener({ type: 'at', stage: 'lookup', done: 2000, total: 8000 });
    expect(line.text()).toBe('look-up 2000/8000 numbers · 3 s left');
    t = 3000;
    line.listener({ type: 'at', stage: 'lookup', done: 8000, total: 8000 });
    expect(line.text()).toBe('look-up 8000/8000 numbers');
    line.listener({ type: 'start', stage: 'check', total: 500 });
    t = 4000;
    line.listener({ type: 'done', stage: 'check', items: 100, bytes: 30 * MiB });
    // The MiB checked are not news: only those packed and sent are shown.
    expect(line.text()).toBe('checked 100/500 documents · 4 s left');
    line.listener({ type: 'start', stage: 'pack' });
    // Nothing packed yet: no pace, no time left.
    expect(line.text()).toBe('checked 100/500 documents · packed 0/500 documents');
    const alone = new ProgressLine(terminal(), { now: () => t });
    alone.listener({ type: 'start', stage: 'upload' });
    alone.listener({ type: 'done', stage: 'upload', items: 3, bytes: MiB });
    t = 5000;
    expect(alone.text()).toBe('sent 3/? documents (1.0 MiB, 1.0 MiB/s)');
    alone.stop();
  });

  it('redraws at most every 200 ms, in place, one column short of the width', () => {
    let t = 0;
    const tty = terminal(30);
    line = new ProgressLine(tty, { now: () => t });
    line.listener({ type: 'start', stage: 'check', total: 1000 });
    expect(tty.writes).toEqual([`${CLEAR}checked 0/1000 documents`]);
    t = 100;
    line.listener({ type: 'done', stage: 'check', items: 1 });
    line.listener({ type: 'done', stage: 'check', items: 1 });
    expect(tty.writes).toHaveLength(1);
    t = 250;
    line.listener({ type: 'done', stage: 'check', items: 1 });
    expect(tty.writes).toHaveLength(2);
    const drawn = tty.writes[1]!.slice(CLEAR.length);
    expect(drawn.length).toBeLessThanOrEqual(29);
    expect(drawn).toMatch(/^checked 3\/1000 documents · .*…$/);
  });

  it('clears itself before a log line, and for good at the end', () => {
    let t = 0;
    const tty = terminal();
    line = new ProgressLine(tty, { now: () => t });
    line.listener({ type: 'start', stage: 'check', total: 2 });
    t = 1000;
    line.print('WARN: FA-2: the PDF file is missing\n');
    expect(tty.writes.slice(1)).toEqual([CLEAR, 'WARN: FA-2: the PDF file is missing\n', `${CLEAR}checked 0/2 documents`]);
    line.stop();
    expect(tty.writes.at(-1)).toBe(CLEAR);
    const count = tty.writes.length;
    t = 2000;
    line.listener({ type: 'done', stage: 'check', items: 1 });
    line.print('after the end\n');
    expect(tty.writes.slice(count)).toEqual(['after the end\n']);
  });
});
