// Documents go into an archive one after the other, but a remote store answers each opening
// after a round trip: the next few are opened while the current one is copied, so that the
// network works while the disk does. Each one opened ahead holds at most its stream's buffer.
import type { Readable } from 'node:stream';

export interface Opened {
  stream?: Readable;
  /** Why the document could not be opened, or why its stream failed before its turn. */
  error?: unknown;
}

export class ReadAhead<T> {
  private readonly started = new Map<number, Promise<Opened>>();

  constructor(
    private readonly items: readonly T[],
    private readonly open: (item: T) => Promise<Readable>,
    private readonly depth: number,
  ) {}

  /** Item `index`'s stream, the following ones starting to open meanwhile. */
  async take(index: number): Promise<Opened> {
    for (let j = index; j < Math.min(this.items.length, index + this.depth); j++) this.start(j);
    const opened = await this.started.get(index)!;
    this.started.delete(index);
    return opened;
  }

  /** Closes whatever was opened ahead and not taken. */
  dispose(): void {
    for (const pending of this.started.values()) void pending.then((o) => o.stream?.destroy());
    this.started.clear();
  }

  private start(index: number): void {
    if (this.started.has(index)) return;
    const opening = this.open(this.items[index]!).then(
      (stream) => {
        const opened: Opened = { stream };
        // Waiting streams must not fail unheard: the failure is told when the item's turn comes.
        stream.once('error', (error) => (opened.error ??= error));
        return opened;
      },
      (error: unknown) => ({ error }),
    );
    this.started.set(index, opening);
  }
}
