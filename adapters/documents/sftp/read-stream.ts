// A file read over SFTP in chunks at explicit offsets. When the connection drops, the file is
// opened again on another connection and reading goes on at the same offset, so what was already
// handed downstream (into the archive) stays valid. The slot is held only while the file is open.
import { Readable } from 'node:stream';
import { ConnectionLost, backoff } from './connection.js';
import type { Lease, SftpPool } from './pool.js';

const CHUNK = 64 * 1024;
/** Small read that only confirms the end of a file whose size is known. */
const PROBE = 4 * 1024;

export interface OpenedFile {
  lease: Lease;
  handle: Buffer;
}

export class SftpReadStream extends Readable {
  private position = 0;
  private retriesLeft: number;

  constructor(
    private readonly pool: SftpPool,
    private readonly remotePath: string,
    private file: OpenedFile | null,
    private readonly mapError: (e: unknown) => Error,
    /** Size from stat: lets a small file be read in one request rather than 64 KiB at a time. */
    private readonly sizeHint?: number,
  ) {
    super({ highWaterMark: CHUNK });
    this.retriesLeft = pool.retries;
  }

  override _read(): void {
    this.readChunk().then(
      (chunk) => this.push(chunk.length > 0 ? chunk : null),
      (e: unknown) => this.destroy(this.mapError(e)),
    );
  }

  private async readChunk(): Promise<Buffer> {
    for (;;) {
      const file = this.file;
      try {
        const open = file ?? (this.file = await this.reopen());
        const chunk = await open.lease.conn.read(open.handle, this.nextLength(open), this.position);
        this.position += chunk.length;
        if (chunk.length === 0) await this.closeFile();
        return chunk;
      } catch (e) {
        if (!(e instanceof ConnectionLost) || this.retriesLeft <= 0) throw e;
        this.retriesLeft -= 1;
        if (this.file) {
          this.file.lease.conn.markLost(e.message);
          this.file.lease.release();
          this.file = null;
        }
        await backoff(this.pool.retries - this.retriesLeft);
      }
    }
  }

  // The file ends where a read returns nothing, whatever stat said: it may have grown since.
  private nextLength(open: OpenedFile): number {
    const max = Math.max(CHUNK, open.lease.conn.maxRead);
    if (this.sizeHint === undefined) return max;
    const remaining = this.sizeHint - this.position;
    return remaining > 0 ? Math.min(max, remaining) : PROBE;
  }

  private async reopen(): Promise<OpenedFile> {
    const lease = await this.pool.lease();
    try {
      return { lease, handle: await lease.conn.openRead(this.remotePath) };
    } catch (e) {
      lease.release();
      throw e;
    }
  }

  // The slot is free as soon as the last byte is in; the handle's close needs no waiting for.
  private async closeFile(): Promise<void> {
    const file = this.file;
    this.file = null;
    if (!file) return;
    file.lease.release();
    if (file.lease.conn.alive) file.lease.conn.closeHandle(file.handle).catch(() => undefined);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.closeFile().then(
      () => callback(error),
      () => callback(error),
    );
  }
}
