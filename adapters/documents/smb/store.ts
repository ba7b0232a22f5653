// On Windows a share is read through the operating system (UNC paths, the task account's own
// credentials), exactly as the local store reads a folder. Elsewhere Debian's smbclient does the
// SMB2/3 work (signing, NTLMv2, encryption), so the same mapping file can be tried from Linux.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AdapterConfigError, CredentialsRefusedError, DocumentError, type DocumentStore, type DocumentStoreAdapter, type ListedFile } from '../../types.js';
import { walkTree, type TreeEntry } from '../list-tree.js';
import { localAdapter } from '../local.js';
import { storeSegments } from '../store-path.js';
import { Landing } from './landing.js';
import { SmbOptions } from './options.js';
import { MAX_COMMAND_BYTES, type Command, type Outcome } from './session.js';
import { SmbSessions } from './sessions.js';
import { classify, smbclientEnvironment, smbLines, smbPath, type SmbTarget } from './smbclient.js';
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
    return SmbStore.open({ unc, options, program: SMBCLIENT }, ctx.workDir);
  },
};

/** Whether smbclient can be started here; the message says how to install it when not. */
export function smbclientMissing(program = SMBCLIENT): string | null {
  const r = spawnSync(program, ['--version'], { encoding: 'utf8', env: smbclientEnvironment(process.env) });
  if (!r.error && r.status === 0) return null;
  return `the smb store needs the program ${program} on this machine (Debian/Ubuntu: apt-get install smbclient), or run clearnox-sync on Windows, which reads shares itself.`;
}

const BAD_NAME = /["*?<>|\u0000-\u001f]/;
// What allinfo and ls print as their own output; every other line is a message about the command.
const ALLINFO_FIELD = /^(altname|create_time|access_time|write_time|change_time|attributes|stream):/;
const LS_ENTRY = /^ {2}(.+?)\s+([A-Z]*)\s+(\d+)\s+\w{3} \w{3}\s+\d+ \d\d:\d\d:\d\d \d{4}$/;
/**
 * Folders whose listing is kept for stat(), the least recently listed given up first. A run's
 * documents come in the entries' order, which may go round many folders (one per customer, per
 * month): a few kept would be listed again and again. A listing costs about 60 bytes a file.
 */
const LISTINGS_KEPT = 4096;
// The pipeline opens the next eight documents while one is packed: so many files may wait on disk.
const LANDED_AHEAD = 8;

export class SmbStore implements DocumentStore {
  /** Folder -> its files' sizes by exact name, or null when it could not be listed. */
  private readonly listings = new Map<string, Promise<Map<string, number> | null>>();

  private constructor(
    private readonly target: SmbTarget,
    private readonly landing: Landing,
    private readonly sessions: SmbSessions,
  ) {}

  /** `workDir`: the run's private folder, where fetched files wait to be read (else a temporary one). */
  static async open(target: SmbTarget, workDir?: string): Promise<SmbStore> {
    const missing = smbclientMissing(target.program);
    if (missing) throw new AdapterConfigError(missing);
    const where = describe(target);
    const lines = await smbLines(target, target.unc.folder.length > 0 ? `cd ${smbPath(target, [])}` : 'ls "\\*-clearnox-sync-probe"');
    const status = classify(lines.join('\n'));
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
    const landing = await Landing.create(workDir, Math.max(LANDED_AHEAD, target.options.transfers));
    return new SmbStore(target, landing, new SmbSessions(target, landing.dir));
  }

  get description(): string {
    return describe(this.target);
  }

  // smbclient runs one command at a time per session: one listing of a document's folder gives
  // the size of every file in it, where allinfo costs a command per file. Only a file listed under
  // its exact name is taken from it; anything else (another case, a folder, a name the listing
  // does not show, a folder that cannot be listed) is asked with allinfo, which tells each case.
  async stat(p: string) {
    const segments = this.segments(p);
    const listed = (await this.listing(segments.slice(0, -1)))?.get(segments.at(-1)!);
    if (listed !== undefined) return { size: listed };
    const { output: lines } = await this.request(p, { line: `allinfo ${smbPath(this.target, segments)}`, isOutput: (l) => ALLINFO_FIELD.test(l) });
    const field = (name: string) => lines.find((l) => l.startsWith(`${name}:`));
    const attrs = /\(([0-9a-f]+)\)\s*$/i.exec(field('attributes') ?? '');
    if (!attrs) throw new DocumentError('unreadable', `cannot read "${p}": the file server gave no attributes`);
    if (parseInt(attrs[1]!, 16) & 0x10) throw new DocumentError('unreadable', `"${p}" is a folder, not a file`);
    const size = /^stream: \[::\$DATA\], (\d+) bytes/.exec(lines.find((l) => l.startsWith('stream: [::$DATA]')) ?? '');
    return { size: size ? Number(size[1]) : 0 };
  }

  // smbclient lands the whole file in the store's folder; only a file of the size it announced
  // when it opened it, confirmed without an error, is handed out: after a dropped connection
  // smbclient has been seen to end with neither a status line nor that confirmation, and a short
  // file must never pass for a whole one. Nothing has been read when a transfer fails, so every
  // lost one may be tried again.
  async open(p: string): Promise<Readable> {
    const remote = smbPath(this.target, this.segments(p));
    const release = await this.landing.slot();
    try {
      for (let attempt = 0; ; attempt++) {
        const name = this.landing.name();
        const got = await this.fetch(p, remote, name, release);
        if (!(got instanceof DocumentError)) return got;
        await this.landing.discard(name);
        if (got.kind !== 'connection_lost' || attempt >= this.target.options.retries) throw got;
        await backoff(attempt);
      }
    } catch (e) {
      release();
      throw e;
    }
  }

  /** The file landed whole and opened for reading, or why not. */
  private async fetch(p: string, remote: string, name: string, release: () => void): Promise<Readable | DocumentError> {
    const last = { size: -1 };
    const outcome = await this.attempt(p, { line: `get ${remote} "${name}"`, grew: () => this.landing.grew(name, last) });
    if (outcome instanceof DocumentError) return outcome;
    // "getting file <remote> of size <n> as <name> " comes as the transfer starts, and
    // "(<rate> KiloBytes/sec) ..." on the same line once it is complete.
    const as = ` as ${name} `;
    const line = outcome.messages.split('\n').find((l) => l.startsWith('getting file ') && l.includes(as));
    const announced = line ? /of size (\d+)$/.exec(line.slice(0, line.lastIndexOf(as))) : null;
    if (!line || !announced || !line.slice(line.lastIndexOf(as) + as.length).startsWith('(')) {
      return new DocumentError('connection_lost', `the transfer of "${p}" stopped without smbclient confirming it`);
    }
    const size = Number(announced[1]);
    const taken = await this.landing
      .take(name, size, release)
      .catch((e: Error) => (e instanceof DocumentError ? e : new DocumentError('connection_lost', `the file fetched for "${p}" cannot be read back: ${e.message}`)));
    if (typeof taken !== 'number') return taken;
    return new DocumentError('connection_lost', `the transfer of "${p}" stopped after ${taken} of ${size} bytes`);
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

  private listing(folder: string[]): Promise<Map<string, number> | null> {
    const key = folder.join('\u0000');
    let kept = this.listings.get(key);
    if (!kept) {
      if (this.listings.size >= LISTINGS_KEPT) this.listings.delete(this.listings.keys().next().value!);
      kept = this.readFolder(folder).then(
        ({ sizes }) => sizes,
        (e: unknown) => {
          // A lost connection is the document's answer too, and the next stat lists the folder again.
          if (e instanceof DocumentError && e.kind === 'connection_lost') {
            this.listings.delete(key);
            throw e;
          }
          return null;
        },
      );
      this.listings.set(key, kept);
    }
    return kept;
  }

  /** A folder's entries, and a digest of its whole listing to know it again. */
  private async readFolder(segments: string[]): Promise<{ entries: TreeEntry[]; listing: string; sizes: Map<string, number> }> {
    const mask = `"\\${[...this.target.unc.folder, ...segments, '*'].join('\\')}"`;
    const { output } = await this.request(segments.join('/') || '.', { line: `ls ${mask}`, isOutput: (l) => LS_ENTRY.test(l) });
    const entries: TreeEntry[] = [];
    const sizes = new Map<string, number>();
    for (const line of output) {
      const m = LS_ENTRY.exec(line)!;
      if (m[1] === '.' || m[1] === '..') continue;
      const kind = m[2]!.includes('D') ? 'dir' : 'file';
      entries.push({ name: m[1]!, kind });
      if (kind === 'file') sizes.set(m[1]!, Number(m[3]));
    }
    return { entries, listing: createHash('sha256').update(output.sort().join('\n')).digest('base64'), sizes };
  }

  /** Ends the sessions and removes every file fetched and not yet read. */
  async close(): Promise<void> {
    await this.sessions.close();
    await this.landing.close();
  }

  private segments(p: string): string[] {
    const segments = storeSegments(p);
    if (segments.some((s) => BAD_NAME.test(s))) {
      throw new DocumentError('not_found', `"${p}" holds a character that no file name on a Windows share can hold (" * ? < > | or a control character)`);
    }
    return segments;
  }

  /** Runs a command, again when the connection failed (`retries` times); throws for the file. */
  private async request(p: string, command: Command): Promise<Outcome> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(p, command);
      if (!(outcome instanceof DocumentError)) return outcome;
      if (outcome.kind !== 'connection_lost' || attempt >= this.target.options.retries) throw outcome;
      await backoff(attempt);
    }
  }

  /** One run of a command in a session: its outcome, or what went wrong for the file. */
  private async attempt(p: string, command: Command): Promise<Outcome | DocumentError> {
    if (Buffer.byteLength(command.line) + 1 > MAX_COMMAND_BYTES) {
      const shown = p.length > 80 ? `${p.slice(0, 80)}...` : p;
      throw new DocumentError('unreadable', `the path "${shown}" is too long for smbclient, which reads at most ${MAX_COMMAND_BYTES} bytes per command`);
    }
    const outcome = await this.sessions.run(command);
    const error = this.failure(p, outcome.messages);
    if (error) return error;
    if (outcome.lost) return new DocumentError('connection_lost', `the connection to the file server was lost while reading "${p}" (${outcome.lost})`);
    return outcome;
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

function describe(target: SmbTarget): string {
  const { unc } = target;
  return `\\\\${unc.server}\\${unc.share}${unc.folder.map((f) => `\\${f}`).join('')}`;
}

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
