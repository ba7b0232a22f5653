// A few connections, each carrying several transfers at once. Connections open one at a time and
// only when the open ones are full (OpenSSH drops bursts of new connections: MaxStartups). A
// dropped connection is replaced on the next lease; the work that was on it is retried by the
// caller (`run`), so one network hiccup costs a retry, not the files in flight.
import type { ConnectConfig } from 'ssh2';
import { ConnectionLost, SftpConnection, backoff } from './connection.js';

export interface PoolOptions {
  connections: number;
  perConnection: number;
  retries: number;
  timeoutMs: number;
  connect: () => Promise<ConnectConfig>;
  onDrop: (why: string) => void;
  /** Turns a failed first connection into the error the run reports. */
  connectError: (e: unknown) => Error;
}

interface Slot {
  conn: SftpConnection | null;
  opening: Promise<SftpConnection> | null;
  active: number;
}

export interface Lease {
  conn: SftpConnection;
  release(): void;
}

export class SftpPool {
  private readonly slots: Slot[];
  private readonly waiting: (() => void)[] = [];
  private opened = 0;
  private connectLock: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: PoolOptions) {
    this.slots = Array.from({ length: opts.connections }, () => ({ conn: null, opening: null, active: 0 }));
  }

  get retries(): number {
    return this.opts.retries;
  }

  /** How many connections were opened, replacements included. */
  get connectionsOpened(): number {
    return this.opened;
  }

  async lease(): Promise<Lease> {
    for (;;) {
      if (this.closed) throw new ConnectionLost('the document store is closed');
      const slot = this.pick();
      if (slot) {
        slot.active += 1;
        try {
          const conn = await this.connectionOf(slot);
          let released = false;
          return {
            conn,
            release: () => {
              if (released) return;
              released = true;
              this.free(slot);
            },
          };
        } catch (e) {
          this.free(slot);
          throw e;
        }
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  /** Runs `work` on a leased connection, again on a fresh one when the connection drops. */
  async run<T>(work: (conn: SftpConnection) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let lease: Lease | undefined;
      try {
        lease = await this.lease();
        return await work(lease.conn);
      } catch (e) {
        if (!(e instanceof ConnectionLost) || attempt >= this.opts.retries) throw e;
        lease?.conn.markLost(e.message);
      } finally {
        lease?.release();
      }
      await backoff(attempt + 1);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all(
      this.slots.map(async (slot) => {
        const conn = slot.conn ?? (await slot.opening?.catch(() => null)) ?? null;
        slot.conn = null;
        await conn?.end();
      }),
    );
  }

  // Fill open connections first; open another only when every open one is full.
  private pick(): Slot | null {
    const free = this.slots.filter((s) => s.active < this.opts.perConnection);
    const live = free.filter((s) => s.conn?.alive || s.opening);
    const pool = live.length > 0 ? live : free;
    if (pool.length === 0) return null;
    return pool.reduce((a, b) => (b.active < a.active ? b : a));
  }

  private free(slot: Slot): void {
    slot.active -= 1;
    this.waiting.shift()?.();
  }

  private connectionOf(slot: Slot): Promise<SftpConnection> {
    if (slot.conn?.alive) return Promise.resolve(slot.conn);
    if (slot.opening) return slot.opening;
    const old = slot.conn;
    slot.conn = null;
    void old?.end();
    const opening = this.serialised(async () => {
      const config = await this.opts.connect();
      try {
        return await SftpConnection.open(config, this.opts.timeoutMs, this.opts.onDrop);
      } catch (e) {
        throw this.opts.connectError(e);
      }
    });
    slot.opening = opening;
    opening.then(
      (conn) => {
        this.opened += 1;
        slot.opening = null;
        if (this.closed) void conn.end();
        else slot.conn = conn;
      },
      () => {
        slot.opening = null;
      },
    );
    return opening;
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.connectLock.then(fn, fn);
    this.connectLock = next.catch(() => undefined);
    return next;
  }
}
