// The live line a person at a terminal watches during a long run: where each stage stands, MiB
// sent, speed and time left, redrawn in place on stderr. A scheduled task, a CI job or a pipe gets
// none of it (its log would fill with redrawn lines): the line exists only on a terminal.
import { PROGRESS_STAGES, type ProgressEvent, type ProgressListener, type ProgressStage } from '../pipeline/progress.js';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressLineOptions {
  /** Milliseconds; Date.now unless a test gives its own clock. */
  now?: () => number;
  /** At most one redraw per this many milliseconds: a terminal over RDP or SSH redraws slowly. */
  minIntervalMs?: number;
}

interface StageState {
  startedAt: number;
  done: number;
  total?: number;
  bytes: number;
}

const MiB = 1024 * 1024;
const CLEAR = '\r\x1b[K';
const LABELS: Record<ProgressStage, (s: StageState) => string> = {
  lookup: (s) => `look-up ${counted(s)} numbers`,
  check: (s) => `checked ${counted(s)} documents`,
  pack: (s) => `packed ${counted(s)} documents`,
  upload: (s) => `sent ${counted(s)} documents`,
};

/** The live line for `stream`, or null where there must be none (not a terminal, or -q). */
export function progressLineFor(stream: ProgressStream, opts: ProgressLineOptions & { quiet?: boolean } = {}): ProgressLine | null {
  if (opts.quiet || !stream.isTTY) return null;
  return new ProgressLine(stream, opts);
}

export class ProgressLine {
  private readonly stages = new Map<ProgressStage, StageState>();
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private lastDraw = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  /** Documents to check, the bound of those to pack and send. */
  private documents: number | undefined;
  private drawn = '';
  private stopped = false;

  constructor(
    private readonly stream: ProgressStream,
    opts: ProgressLineOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.minIntervalMs = opts.minIntervalMs ?? 200;
  }

  readonly listener: ProgressListener = (event: ProgressEvent) => {
    const state = this.stages.get(event.stage) ?? { startedAt: this.now(), done: 0, bytes: 0, ...(event.stage === 'pack' || event.stage === 'upload' ? this.bound() : {}) };
    this.stages.set(event.stage, state);
    // Until every document is checked, those to pack and send are at most the ones being checked:
    // time left can be told from the start, and it only gets shorter when some fail.
    if (event.stage === 'check' && event.type === 'start' && event.total !== undefined) this.documents = event.total;
    if (event.type === 'start' || event.type === 'total') {
      if (event.total !== undefined) state.total = event.total;
    } else if (event.type === 'done') {
      state.done += event.items;
      state.bytes += event.bytes ?? 0;
    } else {
      state.done = event.done;
      state.total = event.total;
    }
    this.schedule();
  };

  /** Writes whole lines (the console log) where the live line was; it is drawn again below them. */
  print(text: string): void {
    this.clear();
    this.stream.write(text);
    if (!this.stopped) this.schedule();
  }

  /** Removes the line for good: the summary follows. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.clear();
  }

  /** The line as it would be drawn now. */
  text(): string {
    const t = this.now();
    const started = PROGRESS_STAGES.filter((s) => this.stages.has(s));
    // A finished stage gives its place to the ones after it.
    const shown = started.filter((s, i) => i === started.length - 1 || !finished(this.stages.get(s)!));
    // MiB and speed of the last stage that moves documents: the upload once it began, which is
    // what a slow uplink holds back.
    const moving = [...shown].reverse().find((s) => (s === 'pack' || s === 'upload') && this.stages.get(s)!.bytes > 0);
    const parts = shown.map((name) => {
      const s = this.stages.get(name)!;
      if (name !== moving) return LABELS[name](s);
      const seconds = (t - s.startedAt) / 1000;
      return `${LABELS[name](s)} (${(s.bytes / MiB).toFixed(1)} MiB${seconds > 0 ? `, ${(s.bytes / MiB / seconds).toFixed(1)} MiB/s` : ''})`;
    });
    // The slowest stage decides when the run ends; while one's total is unknown, nobody knows.
    const left = shown.map((s) => secondsLeft(this.stages.get(s)!, t));
    const unfinished = shown.filter((s) => !finished(this.stages.get(s)!));
    if (unfinished.length > 0 && left.every((l) => l >= 0)) parts.push(`${duration(Math.max(...left))} left`);
    return parts.join(' · ');
  }

  private bound(): { total?: number } {
    return this.documents === undefined ? {} : { total: this.documents };
  }

  private schedule(): void {
    if (this.stopped) return;
    const wait = this.lastDraw + this.minIntervalMs - this.now();
    if (wait <= 0) {
      this.draw();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
    this.timer.unref?.();
  }

  private draw(): void {
    if (this.stopped) return;
    this.lastDraw = this.now();
    // One column short of the width: a line that wraps can no longer be cleared with \r.
    // A terminal that tells no width (0) is given the usual one.
    const width = Math.max(10, (this.stream.columns || 80) - 1);
    const text = this.text();
    const line = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    if (line === '' || (this.shown && line === this.drawn)) return;
    this.stream.write(`${CLEAR}${line}`);
    this.drawn = line;
    this.shown = true;
  }

  private clear(): void {
    if (!this.shown) return;
    this.stream.write(CLEAR);
    this.shown = false;
  }
}

function counted(s: StageState): string {
  return `${s.done}/${s.total ?? '?'}`;
}

function finished(s: StageState): boolean {
  return s.total !== undefined && s.done >= s.total;
}

/** From the pace so far; unknown (-1) before anything is done or while the total is. */
function secondsLeft(s: StageState, now: number): number {
  if (s.total === undefined || s.done === 0 || now <= s.startedAt) return -1;
  if (finished(s)) return 0;
  return Math.max(0, ((now - s.startedAt) / 1000) * ((s.total - s.done) / s.done));
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
