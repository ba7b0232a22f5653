// One SSH connection with its SFTP session. ssh2-sftp-client opens and ends it (and holds its
// event listeners); the transfers use the raw SFTP session, whose requests carry ids and may be
// many at once, rather than the client's one-operation-at-a-time helpers. Any request left
// unanswered past the timeout marks the connection lost, so a silent network cannot hang a run.
import type { ConnectConfig, SFTPWrapper, Stats } from 'ssh2';
import type SftpClient from 'ssh2-sftp-client';
import { ClearnoxSyncError } from '../../../src/errors.js';
import { maxReadLength, sshClientOf } from './ssh2-internals.js';

export class ConnectionLost extends ClearnoxSyncError {
  override readonly name = 'ConnectionLost';
  readonly kind = 'unreachable';
}

/** Waits before retry `attempt` (1, 2, ...): a restarting server gets a moment. */
export const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** (attempt - 1))));

export interface DirEntry {
  filename: string;
  attrs: Stats;
}

export class SftpConnection {
  private dead: string | null = null;
  private pending = new Set<(e: Error) => void>();

  private constructor(
    private readonly client: SftpClient,
    private readonly sftp: SFTPWrapper,
    private readonly timeoutMs: number,
  ) {}

  static async open(config: ConnectConfig, timeoutMs: number, onDrop: (why: string) => void): Promise<SftpConnection> {
    let conn: SftpConnection | undefined;
    const lost = (why: string) => {
      conn?.markLost(why);
      onDrop(why);
    };
    // Loaded when a run first connects, so that runs without an SFTP store start without it.
    const { default: Client } = await import('ssh2-sftp-client');
    const client = new Client('clearnox-sync', {
      error: (e: unknown) => lost(`connection error: ${(e as Error)?.message ?? String(e)}`),
      end: () => lost('the server ended the connection'),
      close: () => lost('the connection closed'),
    });
    const sftp = (await client.connect(config as SftpClient.ConnectOptions)) as unknown as SFTPWrapper;
    // Requests are small and answered one by one: Nagle's delay would be paid on each of them.
    sshClientOf(client).setNoDelay(true);
    conn = new SftpConnection(client, sftp, timeoutMs);
    return conn;
  }

  get alive(): boolean {
    return this.dead === null;
  }

  markLost(why: string): void {
    if (this.dead !== null) return;
    this.dead = why;
    for (const fail of this.pending) fail(new ConnectionLost(why));
    this.pending.clear();
  }

  private call<T>(what: string, start: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    if (this.dead !== null) return Promise.reject(new ConnectionLost(this.dead));
    return new Promise<T>((resolve, reject) => {
      const fail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      const timer = setTimeout(() => {
        this.pending.delete(fail);
        const why = `no answer to ${what} within ${this.timeoutMs / 1000} s`;
        this.markLost(why);
        this.destroy();
        reject(new ConnectionLost(why));
      }, this.timeoutMs);
      this.pending.add(fail);
      try {
        start((err, value) => {
          if (!this.pending.delete(fail)) return;
          clearTimeout(timer);
          // ssh2 fails every request with this when the session closes under it.
          if (err && /No response from server/i.test(err.message)) reject(new ConnectionLost('the connection dropped', { cause: err }));
          else if (err) reject(err);
          else resolve(value as T);
        });
      } catch (e) {
        this.pending.delete(fail);
        clearTimeout(timer);
        reject(this.dead !== null ? new ConnectionLost(this.dead, { cause: e }) : e);
      }
    });
  }

  realpath(p: string): Promise<string> {
    return this.call('realpath', (cb) => this.sftp.realpath(p, cb));
  }

  stat(p: string): Promise<Stats> {
    return this.call('stat', (cb) => this.sftp.stat(p, cb));
  }

  lstat(p: string): Promise<Stats> {
    return this.call('lstat', (cb) => this.sftp.lstat(p, cb));
  }

  openRead(p: string): Promise<Buffer> {
    return this.call('open', (cb) => this.sftp.open(p, 'r', cb));
  }

  /** Bytes read at `position`; an empty buffer at the end of the file. */
  read(handle: Buffer, length: number, position: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    return this.call<number>('read', (cb) =>
      this.sftp.read(handle, buf, 0, length, position, (err, bytesRead) => {
        // ssh2 passes EOF as an error whose code is 1 (SSH_FX_EOF).
        if (err && (err as { code?: unknown }).code === 1) cb(null, 0);
        else cb(err, bytesRead);
      }),
    ).then((n) => buf.subarray(0, n));
  }

  /** Maximum bytes one read request may ask for on this server (ssh2 splits larger ones). */
  get maxRead(): number {
    return maxReadLength(this.sftp);
  }

  closeHandle(handle: Buffer): Promise<void> {
    return this.call('close', (cb) => this.sftp.close(handle, (err) => cb(err)));
  }

  openDir(p: string): Promise<Buffer> {
    return this.call('opendir', (cb) => this.sftp.opendir(p, cb));
  }

  /** One batch of a folder's entries; null at the end. */
  readDir(handle: Buffer): Promise<DirEntry[] | null> {
    return this.call('readdir', (cb) =>
      this.sftp.readdir(handle, (err, list) => {
        if (err && (err as { code?: unknown }).code === 1) cb(null, null);
        else cb(err, list as DirEntry[]);
      }),
    );
  }

  /** Ends the session; never throws, never waits more than a few seconds. */
  async end(): Promise<void> {
    this.markLost('closed by clearnox-sync');
    const ended = this.client.end().catch(() => undefined);
    const timeout = new Promise((r) => setTimeout(r, 3000).unref());
    await Promise.race([ended, timeout]);
    this.destroy();
  }

  private destroy(): void {
    try {
      sshClientOf(this.client).destroy();
    } catch {
      // already gone
    }
  }
}
