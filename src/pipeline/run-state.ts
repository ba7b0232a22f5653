// What a run leaves for the next one of the same mapping file, in upload.stateDir: a lock, so
// that a run started by hand while the scheduled one works does not send the same entries, and
// what it sent without seeing the end of it (killed, rebooted, no answer, gave up waiting), so
// that the next run finishes that (earlier-imports.ts) instead of sending those documents again.
import fs from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { AdapterConfigError } from '../../adapters/types.js';
import type { Logger } from '../log.js';

/** Another run of the same mapping file holds the lock. */
export class RunBusyError extends Error {}

const PendingImportSchema = z.object({
  idempotencyKey: z.string(),
  runId: z.string(),
  sentAt: z.string(),
  entryIds: z.array(z.string()),
  /** Known once Clearnox answered 202. */
  importId: z.string().optional(),
  /** Until then, the archive itself: sent again with the same key, Clearnox cannot import it twice. */
  archive: z.string().optional(),
});
export type PendingImport = z.infer<typeof PendingImportSchema>;
const JournalSchema = z.object({ version: z.literal(1), pending: z.array(PendingImportSchema) });

// A live run refreshes its lock every 10 s; one not refreshed for a minute belongs to a process
// that is gone (killed, machine restarted), and is taken over.
const STALE_MS = 60_000;
const REFRESH_MS = 10_000;

export interface RunStateOptions {
  /** A lock not refreshed for this long is taken over (proper-lockfile's floor: 2 s). */
  staleMs?: number;
  /** How often a held lock is refreshed (floor: 1 s, at most half of staleMs). */
  refreshMs?: number;
}

export class RunState {
  private constructor(
    private readonly file: string,
    private pendingImports: PendingImport[],
    private readonly release: () => Promise<void>,
  ) {}

  /**
   * Takes the lock of `mappingFile` in `dir` (created when missing) and reads what earlier runs
   * left. Throws RunBusyError when another run holds the lock.
   */
  static async open(dir: string, mappingFile: string, log: Logger, opts: RunStateOptions = {}): Promise<RunState> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw new AdapterConfigError(
        `upload.stateDir: cannot create the folder ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Give the task's account write access to it, or set upload.stateDir to a folder it may write.`,
      );
    }
    const name = path.basename(mappingFile);
    const file = path.join(dir, `${name}.imports.json`);
    const lockPath = path.join(dir, `${name}.lock`);
    const take = () =>
      lockfile.lock(file, {
        lockfilePath: lockPath,
        realpath: false,
        fs: lockFs,
        stale: opts.staleMs ?? STALE_MS,
        update: opts.refreshMs ?? REFRESH_MS,
        // A refresh missed (a suspended machine) must not kill a run in the middle of an upload.
        onCompromised: (e) => log.warn({ err: e.message }, `The lock of this run may have been taken over: ${e.message}`),
      });
    let release: () => Promise<void>;
    try {
      try {
        release = await take();
      } catch (e) {
        // A run killed on this machine a moment ago left a fresh lock: its process is gone.
        if ((e as NodeJS.ErrnoException).code !== 'ELOCKED' || !(await ownerIsGone(lockPath))) throw e;
        log.warn({ lock: lockPath }, 'The previous run of this mapping file stopped without releasing its lock; taking it over.');
        await rm(lockPath, { recursive: true, force: true });
        release = await take();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOCKED') {
        const owner = await readOwner(lockPath);
        throw new RunBusyError(
          `another run with this mapping file is in progress${owner ? ` (process ${owner.pid} on ${owner.host}, since ${owner.since})` : ''}; this run did nothing. ` +
            `If no other run is going on, its lock (${lockPath}) frees itself within a minute of its process stopping.`,
        );
      }
      throw new AdapterConfigError(`upload.stateDir: cannot lock ${file} (${(e as Error).message}).`);
    }
    // Held from here: released on any failure, or its refresh timer would keep the process alive.
    try {
      await writeFile(path.join(lockPath, OWNER_FILE), JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }));
      return new RunState(file, await readJournal(file, log), release);
    } catch (e) {
      await release().catch(() => undefined);
      throw e instanceof AdapterConfigError ? e : new AdapterConfigError(`upload.stateDir: cannot write in ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
  }

  /** What earlier runs sent and no run has seen the end of: imports to wait for, archives to send again. */
  get pending(): readonly PendingImport[] {
    return this.pendingImports;
  }

  /** Written before an archive is sent: a run killed meanwhile leaves it and its archive here. */
  async sending(p: PendingImport & { archive: string }): Promise<void> {
    this.pendingImports = [...this.pendingImports.filter((x) => x.idempotencyKey !== p.idempotencyKey), p];
    await this.save();
  }

  /** Clearnox answered 202: from now on the import is waited for, the archive is not needed. */
  async accepted(idempotencyKey: string, importId: string): Promise<void> {
    const p = this.find(idempotencyKey);
    if (!p) return;
    await this.dropArchive(p);
    this.replace({ ...withoutArchive(p), importId });
    await this.save();
  }

  /**
   * Sending failed in a way that leaves unknown whether Clearnox received it (a cut connection,
   * a 5xx): the archive is copied out of the run's temporary folder, to be sent again.
   */
  async keepArchive(idempotencyKey: string): Promise<void> {
    const p = this.find(idempotencyKey);
    if (!p?.archive) return;
    const kept = path.join(this.archives, `${idempotencyKey.replace(/[^\w.-]/g, '_')}.zip`);
    if (p.archive !== kept) {
      await mkdir(this.archives, { recursive: true });
      await copyFile(p.archive, kept);
    }
    this.replace({ ...p, archive: kept });
    await this.save();
  }

  /** The import's end was seen, or nothing was imported: nothing left to wait for. */
  async settled(idempotencyKey: string): Promise<void> {
    const p = this.find(idempotencyKey);
    if (!p) return;
    await this.dropArchive(p);
    this.pendingImports = this.pendingImports.filter((x) => x !== p);
    await this.save();
  }

  private get archives(): string {
    return `${this.file.replace(/\.imports\.json$/, '')}.archives`;
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

  async close(): Promise<void> {
    await this.release().catch(() => undefined);
  }

  // Written aside and renamed over: a process killed while writing leaves the old file whole.
  private async save(): Promise<void> {
    const aside = `${this.file}.${process.pid}.tmp`;
    await writeFile(aside, JSON.stringify({ version: 1, pending: this.pendingImports }, null, 2));
    await rename(aside, this.file);
  }
}

function withoutArchive(p: PendingImport): PendingImport {
  const { archive: _archive, ...rest } = p;
  return rest;
}

// The lock is a folder; who holds it is written inside, so it must be removed with its content.
const lockFs = {
  ...fs,
  rmdir: (p: string, done: (err: NodeJS.ErrnoException | null) => void) => fs.rm(p, { recursive: true, force: true }, done),
  rmdirSync: (p: string) => fs.rmSync(p, { recursive: true, force: true }),
};

const OWNER_FILE = 'owner.json';
const OwnerSchema = z.object({ pid: z.number(), host: z.string(), since: z.string() });

async function readOwner(lockPath: string): Promise<z.infer<typeof OwnerSchema> | null> {
  try {
    return OwnerSchema.parse(JSON.parse(await readFile(path.join(lockPath, OWNER_FILE), 'utf8')));
  } catch {
    return null;
  }
}

/** Only a process of this machine can be known gone; another machine's lock waits to go stale. */
async function ownerIsGone(lockPath: string): Promise<boolean> {
  const owner = await readOwner(lockPath);
  if (!owner || owner.host !== os.hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function readJournal(file: string, log: Logger): Promise<PendingImport[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AdapterConfigError(`upload.stateDir: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  try {
    return JournalSchema.parse(JSON.parse(text)).pending;
  } catch {
    // Losing it costs at most documents sent again, which Clearnox refuses without harm.
    log.warn({ file }, `${file} is not a state file this program wrote; it is ignored and will be replaced.`);
    return [];
  }
}
