// One smbclient process kept for many commands, one at a time. smbclient 4.17 waits for its
// standard input to become readable and then reads a line through a buffer (poll, then fgets):
// lines that arrive together are read together, the first is run and the others wait in the
// buffer until more input comes or the pipe closes. So the pipe never holds more than one line:
// a command is written once the previous one has finished, and the line that marks its end (an
// unknown command, which smbclient answers with "<it>: command not found") only once the command
// has printed something, that is once smbclient has read it. Every command the store sends
// prints at least one line (get: "getting file ...", allinfo: its fields, ls: its entries, or an
// NT_STATUS message). With -E all of it comes in order on stderr.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { classify, startSmbclient, type SmbTarget } from './smbclient.js';

export interface Outcome {
  /** The lines `isOutput` took as the command's own output. */
  output: string[];
  /** Every other line smbclient printed for the command. */
  messages: string;
  /** Why the session ended before the command did; null when it finished. */
  lost: string | null;
}

export interface Command {
  line: string;
  isOutput?: (line: string) => boolean;
  /** Whether the command made progress smbclient does not print (a file growing on disk). */
  grew?: () => Promise<boolean>;
}

// smbclient reads a command into BUFSIZ bytes (8192 with glibc): a longer line is cut and the rest
// runs as a command of its own, which could be any command (one starting with "!" runs a shell).
export const MAX_COMMAND_BYTES = 8191;

const BANNER = /^Try "help" to get a list of possible commands\.$/;

interface Running extends Command {
  output: string[];
  messages: string[];
  written: boolean;
  markerSent: boolean;
  resolve(outcome: Outcome): void;
}

export class SmbSession {
  private readonly child: ChildProcess;
  private readonly nonce = randomBytes(6).toString('hex');
  private marker = '';
  private sequence = 0;
  private ready = false;
  private current: Running | null = null;
  private partial = '';
  private startup: string[] = [];
  private reason: string | null = null;
  private finished = false;
  private readonly watchdog: NodeJS.Timeout;
  readonly exited: Promise<void>;

  /** `onEnd` is called once the process is gone, whatever ended it. */
  constructor(
    target: SmbTarget,
    cwd: string,
    private readonly onEnd: (session: SmbSession) => void,
  ) {
    const stallMs = target.options.timeoutSeconds * 1000;
    this.child = startSmbclient(target, true, cwd);
    // Start-up and each command must show signs of life within the request timeout; smbclient's
    // own timeout was seen not to fire on a connection that goes silent.
    this.watchdog = setTimeout(() => void this.checkStall(stallMs), stallMs);
    this.watchdog.unref();
    const stderr = this.child.stderr!;
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => this.onData(chunk));
    this.exited = new Promise((resolve) => {
      this.child.once('error', (e) => {
        this.startup.push(`Error starting ${target.program}: ${e.message}`);
        this.end(null);
        resolve();
      });
      this.child.once('close', (code) => {
        this.end(code);
        resolve();
      });
    });
  }

  /** Whether the session can take a command now. */
  get idle(): boolean {
    return !this.finished && this.reason === null && this.current === null;
  }

  run(command: Command): Promise<Outcome> {
    if (!this.idle) throw new Error('the smbclient session is busy or ended');
    return new Promise((resolve) => {
      this.current = { ...command, output: [], messages: [], written: false, markerSent: false, resolve };
      this.watchdog.refresh();
      if (this.ready) this.write();
    });
  }

  /** Ends the process: at once when a command is running, else by closing its input. */
  async close(): Promise<void> {
    if (!this.finished) {
      if (this.current) this.stop('the store was closed');
      else {
        this.child.stdin!.end();
        setTimeout(() => this.finished || this.stop('the store was closed'), 2000).unref();
      }
      await this.exited;
    }
  }

  private write(): void {
    const c = this.current!;
    c.written = true;
    this.child.stdin!.write(`${c.line}\n`);
  }

  private onData(chunk: string): void {
    this.watchdog.refresh();
    const c = this.current;
    if (c?.written && !c.markerSent) {
      c.markerSent = true;
      this.marker = `cnx-end-${this.nonce}-${++this.sequence}`;
      this.child.stdin!.write(`${this.marker}\n`);
    }
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    if (!this.ready) {
      if (!BANNER.test(line)) {
        this.startup.push(line);
        return;
      }
      this.ready = true;
      this.startup = [];
      if (this.current) this.write();
      return;
    }
    const c = this.current;
    if (!c) return;
    if (c.markerSent && line.startsWith(`${this.marker}: `)) {
      this.current = null;
      const messages = c.messages.join('\n');
      // A session whose connection failed is of no further use: the next command gets a new one.
      if (classify(messages).kind === 'connection') this.stop(null);
      c.resolve({ output: c.output, messages, lost: null });
      return;
    }
    (c.isOutput?.(line) ? c.output : c.messages).push(line);
  }

  private async checkStall(stallMs: number): Promise<void> {
    const c = this.current;
    if (this.finished || (this.ready && !c)) return;
    if (c?.grew && (await c.grew())) {
      if (this.current === c) this.watchdog.refresh();
      return;
    }
    if (this.current !== c) return;
    this.stop(`the file server sent nothing for ${stallMs / 1000} s`);
  }

  private stop(reason: string | null): void {
    this.reason ??= reason ?? 'the connection to the file server failed';
    this.child.kill();
    // close() promises that no process is left, whatever smbclient does with SIGTERM.
    setTimeout(() => this.finished || this.child.kill('SIGKILL'), 2000).unref();
  }

  private end(code: number | null): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.watchdog);
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
    const c = this.current;
    this.current = null;
    if (c) {
      // Before the prompt, what smbclient said is about the session (a refused logon, no server).
      const messages = [...this.startup, ...c.messages].join('\n');
      c.resolve({ output: c.output, messages, lost: this.reason ?? `smbclient ended (exit code ${code}) before it finished` });
    }
    this.onEnd(this);
  }
}
