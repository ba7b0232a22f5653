// What a run leaves for the next one of the same mapping file, in upload.stateDir: a lock, so
// that a run started by hand while the scheduled one works does not send the same entries; what
// it sent without seeing the end of it (killed, rebooted, no answer, gave up waiting), so that the
// next run finishes that (earlier-imports.ts) instead of sending those documents again; and its
// work folder, which the next run empties if this one could not.
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ENTRY_TYPES } from '../clearnox/contract.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { PRIVATE_FOLDER, copyToPrivateFile, ownFolder, writeFileReplacing } from '../private-files.js';
import { RunBusyError, RunLock, type LockTimings } from './run-lock.js';

export { RunBusyError };

const PendingImportSchema = z.object({
  idempotencyKey: z.string(),
  runId: z.string(),
  sentAt: z.string(),
  entryIds: z.array(z.string()),
  /** What the report's rows say of each entry, should a later run be the one that sees the import end. */
  entries: z.record(z.string(), z.object({ documentNumber: z.string(), companyCode: z.string().nullable(), type: z.enum(ENTRY_TYPES) })).optional(),
  /** Known once Clearnox answered 202. */
  importId: z.string().optional(),
  /** Until then, the archive itself: sent again with the same key, Clearnox cannot import it twice. */
  archive: z.string().optional(),
});
export type PendingImport = z.infer<typeof PendingImportSchema>;
const JournalSchema = z.object({
  version: z.literal(1),
  /** Whose state it is: two mapping files of one name may be given one upload.stateDir. */
  mappingFile: z.string().optional(),
  pending: z.array(PendingImportSchema),
});

export interface RunStateOptions extends LockTimings {
  /** upload.workDir, resolved: the folder holding this mapping file's work folder instead of the state folder. */
  workDir?: string;
}

export class RunState {
  private pendingImports: PendingImport[] = [];
  private runFolder: string | undefined;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    /** This mapping file's work folder; each run works in a folder of its own inside. */
    private readonly work: string,
    private readonly workConfigured: boolean,
    private readonly lock: RunLock,
    private readonly log: Logger,
    private readonly mappingFile: string,
  ) {}

  /**
   * Takes the lock of `mappingFile` in `dir` (created when missing), reads what earlier runs left
   * and removes the files a killed run could not. Throws RunBusyError when another run holds the lock.
   */
  static async open(dir: string, mappingFile: string, log: Logger, opts: RunStateOptions = {}): Promise<RunState> {
    try {
      await mkdir(dir, { recursive: true, mode: PRIVATE_FOLDER });
    } catch (e) {
      throw new ConfigError(
        `upload.stateDir: cannot create the folder ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Give the task's account write access to it, or set upload.stateDir to a folder it may write.`,
      );
    }
    const name = path.basename(mappingFile);
    const file = path.join(dir, `${name}.imports.json`);
    const lock = await RunLock.take(file, path.join(dir, `${name}.lock`), log, opts);
    // Held from here: released on any failure, or its refresh timer would keep the process alive.
    try {
      // In a folder shared by several mapping files, the state file's place tells them apart.
      const work = opts.workDir
        ? path.join(opts.workDir, `${name}.${createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 8)}.work`)
        : path.join(dir, `${name}.work`);
      const state = new RunState(file, work, opts.workDir !== undefined, lock, log, path.resolve(mappingFile));
      state.pendingImports = await readJournal(file, state.mappingFile, log);
      await state.tidy();
      return state;
    } catch (e) {
      await lock.close();
      throw e instanceof ConfigError ? e : new ConfigError(`upload.stateDir: cannot write in ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
  }

  /** What earlier runs sent and no run has seen the end of: imports to wait for, archives to send again. */
  get pending(): readonly PendingImport[] {
    return this.pendingImports;
  }

  /** Throws RunBusyError when another run has taken the lock over: this run must send nothing more. */
  assertHeld(): Promise<void> {
    return this.lock.assertHeld();
  }

  /**
   * Makes this run's work folder, readable by this account only, where the next run of this
   * mapping file finds it if this one is killed.
   */
  async makeWorkFolder(): Promise<string> {
    try {
      await mkdir(path.dirname(this.work), { recursive: true, mode: PRIVATE_FOLDER });
      await ownFolder(this.work);
      this.runFolder = await mkdtemp(path.join(this.work, 'run-'));
      return this.runFolder;
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw this.workConfigured
        ? new ConfigError(`upload.workDir: cannot create a folder in ${path.dirname(this.work)} (${reason}); choose a folder this account may write to.`, { cause: e })
        : new ConfigError(`upload.stateDir: cannot create the folder ${this.work} (${reason}); give the task's account write access to ${path.dirname(this.work)}.`, { cause: e });
    }
  }

  /** Written before an archive is sent: a run killed meanwhile leaves it and its archive here. */
  async sending(p: PendingImport & { archive: string }): Promise<void> {
    await this.lock.assertHeld();
    this.pendingImports = [...this.pendingImports.filter((x) => x.idempotencyKey !== p.idempotencyKey), p];
    await this.save();
  }

  /** Clearnox answered 202: from now on the import is waited for, the archive is not needed. */
  async accepted(idempotencyKey: string, importId: string): Promise<void> {
    const p = this.find(idempotencyKey);
    if (!p) return;
    await this.lock.assertHeld();
    await this.dropArchive(p);
    this.replace({ ...withoutArchive(p), importId });
    await this.save();
  }

  /**
   * Sending failed in a way that leaves unknown whether Clearnox received it (a cut connection,
   * a 5xx): the archive is copied out of the run's work folder, to be sent again.
   */
  async keepArchive(idempotencyKey: string): Promise<void> {
    const p = this.find(idempotencyKey);
    if (!p?.archive) return;
    await this.lock.assertHeld();
    const kept = this.keptName(idempotencyKey);
    if (p.archive !== kept) {
      await ownFolder(this.archives);
      await copyToPrivateFile(p.archive, kept);
    }
    this.replace({ ...p, archive: kept });
    await this.save();
  }

  /** The import's end was seen, or nothing was imported: nothing left to wait for. */
  async settled(idempotencyKey: string): Promise<void> {
    const p = this.find(idempotencyKey);
    if (!p) return;
    await this.lock.assertHeld();
    await this.dropArchive(p);
    this.pendingImports = this.pendingImports.filter((x) => x !== p);
    await this.save();
  }

  /** Removes this run's work folder and lets go of the lock; once another run holds it, neither is this run's. */
  async close(): Promise<void> {
    if (this.runFolder) {
      await rm(this.runFolder, { recursive: true, force: true }).catch(() => undefined);
      // Empty unless another run works in it now.
      await rmdir(this.work).catch(() => undefined);
    }
    await this.lock.close();
  }

  private get archives(): string {
    return `${this.file.replace(/\.imports\.json$/, '')}.archives`;
  }

  private keptName(idempotencyKey: string): string {
    return path.join(this.archives, `${idempotencyKey.replace(/[^\w.-]/g, '_')}.zip`);
  }

  private find(idempotencyKey: string): PendingImport | undefined {
    return this.pendingImports.find((x) => x.idempotencyKey === idempotencyKey);
  }

  private replace(p: PendingImport): void {
    this.pendingImports = this.pendingImports.map((x) => (x.idempotencyKey === p.idempotencyKey ? p : x));
  }

  // Only archives this state kept are its to delete; a run's own are removed with its work folder.
  private async dropArchive(p: PendingImport): Promise<void> {
    if (p.archive && path.dirname(p.archive) === this.archives) await rm(p.archive, { force: true });
  }

  // Every change first checks the lock: once another run holds it, the state file and the kept
  // archives are that run's, and writing them would lose what it noted.
  // One write at a time, each of the state as it is then: two imports in flight note their ends
  // concurrently, and two writes through the same file aside would undo each other.
  private async save(): Promise<void> {
    const write = this.saving.then(() =>
      writeFileReplacing(this.file, JSON.stringify({ version: 1, mappingFile: this.mappingFile, pending: this.pendingImports }, null, 2)),
    );
    this.saving = write.catch(() => undefined);
    await write;
  }

  // What a killed run leaves: an archive it was sending, still in its work folder, is kept with the
  // others; the rest of the folder goes, as do kept archives nothing refers to any more and files
  // a write cut short. An archive the state file names anywhere else is never sent (a hand edit
  // could name any file).
  private async tidy(): Promise<void> {
    let changed = false;
    // An older version made it with the default modes: the invoices in it become this account's only.
    if ((await lstat(this.archives).catch(() => null))?.isDirectory()) await ownFolder(this.archives);
    for (const p of this.pendingImports) {
      if (!p.archive) continue;
      const where = await this.placeOf(p.archive);
      // Named as this program names it from now on: sent, kept and removed as the file it checked.
      const file = path.resolve(p.archive);
      if (where === 'kept') {
        const own = path.join(this.archives, path.basename(file));
        if (own !== p.archive) {
          this.replace({ ...p, archive: own });
          changed = true;
        }
        continue;
      }
      const kept = this.keptName(p.idempotencyKey);
      if (where === 'work' && p.importId === undefined) {
        await ownFolder(this.archives);
        await rename(file, kept).catch(async (e: NodeJS.ErrnoException) => {
          if (e.code !== 'EXDEV') throw e;
          await copyToPrivateFile(file, kept);
        });
        this.replace({ ...p, archive: kept });
      } else if (where === 'gone' && p.importId === undefined && (await this.placeOf(kept)) === 'kept') {
        // Moved by a run killed before it could write so.
        this.replace({ ...p, archive: kept });
      } else {
        if (where === 'elsewhere') {
          this.log.warn(
            { file: this.file, archive: p.archive },
            `${this.file} names ${p.archive} as an archive to send again, which is not a file this program kept in ${this.archives}: it is not sent; its entries are sent anew if still missing.`,
          );
        }
        this.replace(withoutArchive(p));
      }
      changed = true;
    }
    await rm(this.work, { recursive: true, force: true }).catch((e: NodeJS.ErrnoException) => {
      // upload.workDir under a file: said when the folder is made, before anything is sent.
      if (e.code !== 'ENOTDIR') throw e;
    });
    const keep = new Set(this.pendingImports.map((p) => p.archive).filter((a): a is string => a !== undefined));
    const leftovers = [
      ...(await namesIn(this.archives)).map((n) => path.join(this.archives, n)).filter((f) => !keep.has(f)),
      ...(await namesIn(path.dirname(this.file))).filter((n) => n.startsWith(`${path.basename(this.file)}.`) && n.endsWith('.tmp')).map((n) => path.join(path.dirname(this.file), n)),
    ];
    await Promise.all(leftovers.map((f) => rm(f, { recursive: true, force: true })));
    if (changed) await this.save();
  }

  private async placeOf(archive: string): Promise<'kept' | 'work' | 'gone' | 'elsewhere'> {
    const file = path.resolve(archive);
    const inside = (folder: string, direct: boolean) => {
      const rel = path.relative(folder, file);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) && (!direct || !rel.includes(path.sep));
    };
    const place = inside(this.archives, true) ? 'kept' : inside(this.work, false) ? 'work' : 'elsewhere';
    if (place === 'elsewhere') return place;
    // A link anywhere from this program's folder down to the file would send, move and remove
    // whatever it points to: each step must be a folder, the last a file.
    const top = place === 'kept' ? this.archives : this.work;
    const parts = path.relative(top, file).split(path.sep);
    const steps = [top, ...parts.map((_, i) => path.join(top, ...parts.slice(0, i + 1)))];
    for (const [i, step] of steps.entries()) {
      const stat = await lstat(step).catch(() => null);
      if (!stat) return 'gone';
      if (i === steps.length - 1 ? !stat.isFile() : !stat.isDirectory()) return 'elsewhere';
    }
    return place;
  }
}

function withoutArchive(p: PendingImport): PendingImport {
  const { archive: _archive, ...rest } = p;
  return rest;
}

// Not through a link: what is listed here may be removed.
async function namesIn(dir: string): Promise<string[]> {
  const stat = await lstat(dir).catch(() => null);
  return stat?.isDirectory() ? readdir(dir) : [];
}

async function readJournal(file: string, mappingFile: string, log: Logger): Promise<PendingImport[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError(`upload.stateDir: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  let journal: z.infer<typeof JournalSchema>;
  try {
    journal = JournalSchema.parse(JSON.parse(text));
  } catch {
    // Losing it costs at most documents sent again, which Clearnox refuses without harm.
    log.warn({ file }, `${file} is not a state file this program wrote; it is ignored and will be replaced.`);
    return [];
  }
  // Another mapping file's archives would be sent again with this one's credentials, possibly to
  // another customer's Clearnox account. (A state file written before it was named is taken as ours.)
  if (journal.mappingFile !== undefined && !samePath(journal.mappingFile, mappingFile)) {
    throw new ConfigError(
      `upload.stateDir: ${file} is the state of another mapping file of the same name, ${journal.mappingFile}; this run sent nothing, since it would finish that one's imports with its own credentials. ` +
        `Give each mapping file an upload.stateDir of its own (or a file name of its own). If that mapping file was moved or renamed to ${mappingFile} and no longer runs, delete ${file}: at worst, what it held is sent again and Clearnox refuses it without harm.`,
    );
  }
  return journal.pending;
}

// Windows' file names ignore case.
function samePath(a: string, b: string): boolean {
  return process.platform === 'win32' ? path.resolve(a).toLowerCase() === path.resolve(b).toLowerCase() : path.resolve(a) === path.resolve(b);
}
