// The files smbclient has fetched, on disk until they are read: in a folder of the store's own
// (in the run's work folder, or a private temporary one), at most `limit` at a time, so that a
// batch never lands whole. Each is removed once its stream is read to the end or destroyed, and
// whatever is left when the store closes goes with its folder.
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DocumentError } from '../../types.js';

export class Landing {
  private free: number;
  private readonly waiting: { resolve(release: () => void): void; reject(e: Error): void }[] = [];
  private readonly streams = new Set<Readable>();
  private count = 0;
  private closed = false;

  private constructor(
    readonly dir: string,
    limit: number,
  ) {
    this.free = limit;
  }

  /** mkdtemp makes the folder readable by this account only (0700). */
  static async create(workDir: string | undefined, limit: number): Promise<Landing> {
    const dir = await mkdtemp(workDir ? path.join(workDir, 'smb-') : path.join(os.tmpdir(), 'clearnox-sync-smb-'));
    return new Landing(dir, limit);
  }

  /** A place for one more file; resolves once fewer than `limit` are on disk or being read. */
  slot(): Promise<() => void> {
    if (this.closed) return Promise.reject(closedError());
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** A new file name, relative to `dir` (smbclient runs there). */
  name(): string {
    return `${++this.count}.pdf`;
  }

  /** Whether the file grew since the last call (`last` keeps the size seen). */
  async grew(name: string, last: { size: number }): Promise<boolean> {
    const size = await stat(path.join(this.dir, name)).then((s) => s.size, () => -1);
    if (size <= last.size) return false;
    last.size = size;
    return true;
  }

  /**
   * The landed file as a stream, once its size is the one smbclient announced; else its size.
   * `release` is called when the stream closes (read to the end or destroyed).
   */
  async take(name: string, announced: number, release: () => void): Promise<Readable | number> {
    if (this.closed) throw closedError();
    const file = path.join(this.dir, name);
    const handle = await open(file, 'r');
    const { size } = await handle.stat();
    if (size !== announced) {
      await handle.close();
      return size;
    }
    const stream = handle.createReadStream({ highWaterMark: 64 * 1024 });
    this.streams.add(stream);
    stream.once('close', () => {
      this.streams.delete(stream);
      // The slot is free once the file is gone, so that no more than `limit` are ever on disk.
      void rm(file, { force: true }).finally(release);
    });
    return stream;
  }

  async discard(name: string): Promise<void> {
    await rm(path.join(this.dir, name), { force: true });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(closedError());
    for (const s of [...this.streams]) s.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next.resolve(this.releaser());
      else this.free += 1;
    };
  }
}

const closedError = () => new DocumentError('connection_lost', 'the SMB store was closed before the file was read');
