// Up to `transfers` smbclient sessions, started as requests need them and kept until close():
// requests wait in arrival order for a session that is free. A session that ends (its connection
// failed, the server restarted, a stall) fails only the command it was running; the next request
// starts a new one.
import { DocumentError } from '../../types.js';
import { SmbSession, type Command, type Outcome } from './session.js';
import type { SmbTarget } from './smbclient.js';

interface Waiting {
  command: Command;
  resolve(outcome: Outcome): void;
  reject(e: Error): void;
}

export class SmbSessions {
  private readonly sessions = new Set<SmbSession>();
  private readonly queue: Waiting[] = [];
  private closed = false;

  constructor(
    private readonly target: SmbTarget,
    /** Where a `get` lands a file named without a folder. */
    private readonly cwd: string,
  ) {}

  run(command: Command): Promise<Outcome> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.queue.splice(0)) w.reject(closedError());
    await Promise.all([...this.sessions].map((s) => s.close()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let session = [...this.sessions].find((s) => s.idle);
      if (!session) {
        if (this.sessions.size >= this.target.options.transfers) return;
        session = new SmbSession(this.target, this.cwd, (ended) => {
          this.sessions.delete(ended);
          this.dispatch();
        });
        this.sessions.add(session);
      }
      const w = this.queue.shift()!;
      void session.run(w.command).then((outcome) => {
        w.resolve(outcome);
        this.dispatch();
      });
    }
  }
}

const closedError = () => new DocumentError('connection_lost', 'the SMB store was closed before the file was read');
