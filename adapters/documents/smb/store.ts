// On Windows a share is read through the operating system (UNC paths, the task account's own
// credentials), exactly as the local store reads a folder. Elsewhere Debian's smbclient does the
// SMB2/3 work (signing, NTLMv2, encryption), so the same mapping file can be tried from Linux.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import pLimit, { type LimitFunction } from 'p-limit';
import { AdapterConfigError, CredentialsRefusedError, DocumentError, type DocumentStore, type DocumentStoreAdapter, type ListedFile } from '../../types.js';
import { walkTree, type TreeEntry } from '../list-tree.js';
import { localAdapter } from '../local.js';
import { storeSegments } from '../store-path.js';
import { classify, runSmbclient, smbclientEnvironment, smbLines, smbPath, type SmbTarget } from './smbclient.js';
import { SmbOptions } from './options.js';
import { parseUnc } from './unc.js';

export const SMBCLIENT = 'smbclient';

export const smbAdapter: DocumentStoreAdapter<SmbOptions> = {
  type: 'smb',
  description: 'A Windows share (SMB2/3): through Windows itself on Windows, through smbclient elsewhere.',
  optionsSchema: SmbOptions,
  async open(options, ctx) {
    const unc = parseUnc(options.root);
    if (!unc) {
      throw new AdapterConfigError(`documents.root "${options.root}" is not a share path; write it as \\\\SERVER\\Share or \\\\SERVER\\Share\\folder.`);
    }
    if (process.platform === 'win32') {
      if (options.username || options.password) {
        ctx.log.warn(
          {},
          'documents.username and documents.password are not used on Windows: the share is read with the Windows account that runs clearnox-sync (in Task Scheduler, "Run as"). Give that account read access to the share.',
        );
      }
      return localAdapter.open({ root: `\\\\${unc.server}\\${unc.share}${unc.folder.map((f) => `\\${f}`).join('')}` }, ctx);
    }
    if (!options.username) throw new AdapterConfigError('documents.username: give the account that may read the share (and documents.password).');
    // smbclient reads the password as one line (see smbclient.ts).
    if (options.password && /[\r\n]/.test(options.password)) {
      throw new AdapterConfigError('documents.password holds a line break, which smbclient cannot take: give the account a password without one.');
    }
    return SmbStore.open({ unc, options, program: SMBCLIENT });
  },
};

/** Whether smbclient can be started here; the message says how to install it when not. */
export function smbclientMissing(program = SMBCLIENT): string | null {
  const r = spawnSync(program, ['--version'], { encoding: 'utf8', env: smbclientEnvironment(process.env) });
  if (!r.error && r.status === 0) return null;
  return `the smb store needs the program ${program} on this machine (Debian/Ubuntu: apt-get install smbclient), or run clearnox-sync on Windows, which reads shares itself.`;
}

const BAD_NAME = /["*?<>|\u0000-\u001f]/;

export class SmbStore implements DocumentStore {
  private readonly limit: LimitFunction;

  private constructor(private readonly target: SmbTarget) {
    this.limit = pLimit(target.options.transfers);
  }

  static async open(target: SmbTarget): Promise<SmbStore> {
    const missing = smbclientMissing(target.program);
    if (missing) throw new AdapterConfigError(missing);
    const store = new SmbStore(target);
    const lines = await smbLines(target, target.unc.folder.length > 0 ? `cd ${smbPath(target, [])}` : 'ls "\\*-clearnox-sync-probe"');
    const status = classify(lines.join('\n'));
    const where = store.description;
    if (status.kind === 'logon') {
      throw new CredentialsRefusedError(
        `the file server refused the logon to ${where} (${status.problem}). Check documents.username, documents.password and documents.domain, and that the account is enabled and may log on.`,
      );
    }
    if (status.kind === 'config') {
      throw new AdapterConfigError(
        `the file server refused access to ${where} (${status.problem}). Check documents.username, documents.password and documents.domain, and the share name in documents.root.`,
      );
    }
    if (status.kind === 'connection') {
      throw new DocumentError('connection_lost', `cannot reach the file server for ${where}: ${status.problem}. Check the server name, documents.port and the firewall.`);
    }
    // At the share's top the probe names nothing on purpose: "no such file" means the share answered.
    const probeMissed = target.unc.folder.length === 0 && status.kind === 'not_found';
    if (status.kind !== null && !probeMissed) {
      throw new AdapterConfigError(`documents.root: the folder ${where} cannot be opened (${status.problem}).`);
    }
    return store;
  }

  get description(): string {
    const { unc } = this.target;
    return `\\\\${unc.server}\\${unc.share}${unc.folder.map((f) => `\\${f}`).join('')}`;
  }

  async stat(p: string) {
    const segments = this.segments(p);
    const lines = await this.limit(() => this.withRetries(p, () => smbLines(this.target, `allinfo ${smbPath(this.target, segments)}`)));
    const field = (name: string) => lines.find((l) => l.startsWith(`${name}:`));
    const attrs = /\(([0-9a-f]+)\)\s*$/i.exec(field('attributes') ?? '');
    if (!attrs) throw new DocumentError('unreadable', `cannot read "${p}": the file server gave no attributes`);
    if (parseInt(attrs[1]!, 16) & 0x10) throw new DocumentError('unreadable', `"${p}" is a folder, not a file`);
    const size = /^stream: \[::\$DATA\], (\d+) bytes/.exec(lines.find((l) => l.startsWith('stream: [::$DATA]')) ?? '');
    return { size: size ? Number(size[1]) : 0 };
  }

  async open(p: string): Promise<Readable> {
    const segments = this.segments(p);
    const command = `get ${smbPath(this.target, segments)} -`;
    for (let attempt = 0; ; attempt++) {
      const out = await this.openOnce(p, command);
      if (out instanceof PassThrough) return out;
      if (out.kind !== 'connection_lost' || attempt >= this.target.options.retries) throw out;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }

  async *list(folder: string): AsyncIterable<ListedFile> {
    const start = folder.trim() === '' ? [] : this.segments(folder);
    // smbclient sees no link: the server follows a folder link inside the share and shows a
    // folder, so a link to a folder above it would be walked round until the path grew too long
    // for the server. A folder read again lists exactly as before, its own "." and ".." included:
    // a folder listing like one above it (the start's own parents too) is taken for that folder
    // reached again, and skipped. A real folder would have to hold what the one above holds,
    // every date equal to the second.
    const above = new Set<string>();
    for (let depth = 0; depth < start.length; depth++) {
      // An account may open a folder without the right to list the ones above it.
      const parent = await this.readFolder(start.slice(0, depth)).catch(() => null);
      if (parent) above.add(parent.listing);
    }
    const listings = new Map<string, string>();
    const readFolder = (segments: string[]) => this.readFolder(segments);
    yield* walkTree(start, async function* (segments): AsyncIterable<TreeEntry> {
      const { entries, listing } = await readFolder(segments);
      if (above.has(listing)) return;
      for (let depth = start.length; depth < segments.length; depth++) {
        if (listings.get(segments.slice(0, depth).join('/')) === listing) return;
      }
      listings.set(segments.join('/'), listing);
      yield* entries;
    });
  }

  /** A folder's entries, and a digest of its whole listing to know it again. */
  private async readFolder(segments: string[]): Promise<{ entries: TreeEntry[]; listing: string }> {
    const mask = `"\\${[...this.target.unc.folder, ...segments, '*'].join('\\')}"`;
    const run = runSmbclient(this.target, `ls ${mask}`, false);
    const entries: TreeEntry[] = [];
    const lines: string[] = [];
    let messages = '';
    for await (const line of createInterface({ input: run.stdout, crlfDelay: Infinity })) {
      const m = /^ {2}(.+?)\s+([A-Z]*)\s+\d+\s+\w{3} \w{3}\s+\d+ \d\d:\d\d:\d\d \d{4}$/.exec(line);
      if (!m) messages += `${line}\n`;
      else {
        lines.push(line);
        if (m[1] !== '.' && m[1] !== '..') entries.push({ name: m[1]!, kind: m[2]!.includes('D') ? 'dir' : 'file' });
      }
    }
    const { stderr } = await run.done;
    const error = this.failure(segments.join('/') || '.', messages + stderr);
    if (error) throw error;
    return { entries, listing: createHash('sha256').update(lines.sort().join('\n')).digest('base64') };
  }

  async close(): Promise<void> {
    this.limit.clearQueue();
  }

  private segments(p: string): string[] {
    const segments = storeSegments(p);
    if (segments.some((s) => BAD_NAME.test(s))) {
      throw new DocumentError('not_found', `"${p}" holds a character that no file name on a Windows share can hold (" * ? < > | or a control character)`);
    }
    return segments;
  }

  // The process holds a transfer slot until it exits; bytes flow as smbclient writes them, and the
  // stream ends only once smbclient has said the transfer succeeded and the byte count matches
  // the size it announced: after a dropped connection smbclient has been seen to end with neither
  // a status line nor that confirmation, and a short file must never pass for a whole one. A
  // transfer that stalls past the timeout is killed and reported lost.
  private openOnce(p: string, command: string): Promise<PassThrough | DocumentError> {
    const stallMs = this.target.options.timeoutSeconds * 1000;
    return new Promise((resolveOpen) => {
      void this.limit(
        () =>
          new Promise<void>((release) => {
            const run = runSmbclient(this.target, command, true);
            const out = new PassThrough({ highWaterMark: 64 * 1024 });
            let settled = false;
            let received = 0;
            let stalled = false;
            const settle = (value: PassThrough | DocumentError) => {
              if (settled) return;
              settled = true;
              resolveOpen(value);
            };
            // A reader that does not read yet (a document opened ahead of its turn) is not a
            // silent server: time counts only while smbclient is free to write. (smbclient's own
            // request timeout still ends a transfer whose reader waits longer than timeoutSeconds.)
            const watchdog: NodeJS.Timeout = setTimeout(() => {
              if (out.writableNeedDrain) {
                watchdog.refresh();
                return;
              }
              stalled = true;
              run.kill();
            }, stallMs);
            run.stdout.on('data', (chunk: Buffer) => {
              received += chunk.length;
              watchdog.refresh();
              settle(out);
            });
            run.stdout.pipe(out, { end: false });
            out.once('close', () => run.kill());
            void run.done.then(({ stderr }) => {
              clearTimeout(watchdog);
              release();
              const error = stalled
                ? new DocumentError('connection_lost', `the file server sent nothing for ${stallMs / 1000} s while "${p}" was read`)
                : (this.failure(p, stderr) ?? this.shortRead(p, stderr, received));
              if (!settled) {
                // Nothing written: an empty file, or a failure before the first byte.
                if (error) settle(error);
                else {
                  settle(out);
                  out.end();
                }
                return;
              }
              if (error) out.destroy(error);
              else out.end();
            });
          }),
      );
    });
  }

  private shortRead(p: string, stderr: string, received: number): DocumentError | null {
    const announced = / of size (\d+) as -/.exec(stderr);
    // Seen when the connection drops: smbclient ends without a status line and without the
    // confirmation it prints after every complete transfer.
    if (!announced) return new DocumentError('connection_lost', `the transfer of "${p}" stopped after ${received} bytes without smbclient confirming it`);
    const size = Number(announced[1]);
    if (size === received) return null;
    return new DocumentError('connection_lost', `the transfer of "${p}" stopped after ${received} of ${size} bytes`);
  }

  private async withRetries(p: string, work: () => Promise<string[]>): Promise<string[]> {
    for (let attempt = 0; ; attempt++) {
      const lines = await work();
      // The command's own output lines carry no status; only smbclient's messages do.
      const error = this.failure(p, lines.filter((l) => !/^(altname|create_time|access_time|write_time|change_time|attributes|stream):/.test(l)).join('\n'));
      if (!error) return lines;
      if (error.kind !== 'connection_lost' || attempt >= this.target.options.retries) throw error;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }

  private failure(p: string, stderr: string): DocumentError | null {
    const { kind, problem } = classify(stderr);
    switch (kind) {
      case null:
        return null;
      case 'not_found':
        return new DocumentError('not_found', `no file at "${p}" (${problem})`);
      case 'permission_denied':
        return new DocumentError('permission_denied', `permission denied reading "${p}" (${problem})`);
      case 'is_folder':
        return new DocumentError('unreadable', `"${p}" is a folder, not a file`);
      case 'connection':
        return new DocumentError('connection_lost', `the connection to the file server was lost while reading "${p}" (${problem})`);
      default:
        return new DocumentError('unreadable', `cannot read "${p}": ${problem}`);
    }
  }
}
