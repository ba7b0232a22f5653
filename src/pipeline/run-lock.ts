// One run per mapping file at a time. proper-lockfile makes a folder and keeps it fresh by
// touching its time; a folder not touched for a while belongs to a process that is gone and is
// taken over. It believes the lock taken over as soon as the folder's time is not the one it set,
// so who holds the lock is written inside before the folder takes its name, never after.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { lstat, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { ClearnoxSyncError, ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { PRIVATE_FILE } from '../private-files.js';

/** Another run of the same mapping file holds the lock, or took it from this run. */
export class RunBusyError extends ClearnoxSyncError {
  override readonly name = 'RunBusyError';
  readonly kind = 'busy';
}

export interface LockTimings {
  /** A lock not refreshed for this long is taken over (proper-lockfile's floor: 2 s). */
  staleMs?: number;
  /** How often a held lock is refreshed (floor: 1 s, at most half of staleMs). */
  refreshMs?: number;
}

// A live run refreshes its lock every 10 s; one not refreshed for a minute belongs to a process
// that is gone (killed, machine restarted), and is taken over.
const STALE_MS = 60_000;
const REFRESH_MS = 10_000;

const OWNER_FILE = 'owner.json';
const OwnerSchema = z.object({ pid: z.number(), host: z.string(), since: z.string(), token: z.string().optional() });
type Owner = z.infer<typeof OwnerSchema>;

export class RunLock {
  private release: () => Promise<void> = async () => undefined;
  /** Set once another run is known to hold the lock: from then on nothing of it is this run's. */
  private lost = false;
  private closed = false;
  private retaking: Promise<void> = Promise.resolve();

  private constructor(
    private readonly target: string,
    readonly path: string,
    private readonly owner: Owner,
    private readonly timings: LockTimings,
    private readonly log: Logger,
  ) {}

  /** Takes the lock at `lockPath`; throws RunBusyError when a live run holds it. */
  static async take(target: string, lockPath: string, log: Logger, timings: LockTimings = {}): Promise<RunLock> {
    const owner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), token: randomUUID() };
    const lock = new RunLock(target, lockPath, owner, timings, log);
    try {
      try {
        await lock.acquire();
      } catch (e) {
        // A run killed on this machine a moment ago left a fresh lock: its process is gone.
        const dead = (e as NodeJS.ErrnoException).code === 'ELOCKED' ? await goneOwner(lockPath) : null;
        if (!dead) throw e;
        log.warn({ lock: lockPath }, 'The previous run of this mapping file stopped without releasing its lock; taking it over.');
        // Only if it is still that run's: another run may have taken it over in the meantime.
        if (JSON.stringify(await readOwner(lockPath)) === JSON.stringify(dead)) await rm(lockPath, { recursive: true, force: true });
        await lock.acquire();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOCKED') {
        const holder = await readOwner(lockPath);
        throw new RunBusyError(
          `another run with this mapping file is in progress${holder ? ` (process ${holder.pid} on ${holder.host}, since ${holder.since})` : ''}; this run did nothing. ` +
            `If no other run is going on, its lock (${lockPath}) frees itself within a minute of its process stopping.`,
        );
      }
      throw new ConfigError(`upload.stateDir: cannot lock ${target} (${(e as Error).message}).`);
    }
    await removeAbandonedAttempts(lockPath);
    return lock;
  }

  /**
   * Throws RunBusyError once another run has taken the lock: checked before anything more is
   * sent, so that two runs never send the same entries.
   */
  async assertHeld(): Promise<void> {
    await this.retaking;
    if (!this.lost && (await this.isOurs())) return;
    this.lost = true;
    throw new RunBusyError(
      `this run no longer holds the lock of its mapping file (${this.path}): another run took it over (was this machine suspended for over a minute?). ` +
        'This run stopped before sending anything more; the next run finishes what it sent.',
    );
  }

  /** Lets go of the lock, unless another run holds it now. */
  async close(): Promise<void> {
    await this.retaking;
    this.closed = true;
    if (this.lost || !(await this.isOurs())) return;
    // Refreshing stopped (see retake): the library no longer knows it, the folder is still ours.
    await this.release().catch(() => rm(this.path, { recursive: true, force: true }));
  }

  private async acquire(): Promise<void> {
    this.release = await lockfile.lock(this.target, {
      lockfilePath: this.path,
      realpath: false,
      fs: lockFs(this.owner),
      stale: this.timings.staleMs ?? STALE_MS,
      update: this.timings.refreshMs ?? REFRESH_MS,
      onCompromised: (e) => {
        if (!this.closed) this.retaking = this.retake(e);
      },
    });
  }

  // The library stops refreshing when a refresh came late or found the folder's time changed (a
  // suspended machine, a clock put back). Nobody else may have taken the lock meanwhile: if it is
  // still ours it is taken again at once, or it would go stale under this run.
  private async retake(e: Error): Promise<void> {
    this.log.warn({ lock: this.path, err: e.message }, `The lock of this run was not kept fresh (${e.message}); checking that no other run took it.`);
    if (!(await this.isOurs())) {
      this.lost = true;
      this.log.error({ lock: this.path }, 'Another run took the lock of this mapping file over: this run sends nothing more.');
      return;
    }
    await rm(this.path, { recursive: true, force: true });
    try {
      await this.acquire();
      this.log.info({ lock: this.path }, 'The lock of this run is held again.');
    } catch {
      this.lost = true;
    }
  }

  private async isOurs(): Promise<boolean> {
    return (await readOwner(this.path))?.token === this.owner.token;
  }
}

// The lock folder is made aside with its owner inside, then renamed into place in one step; the
// library then reads the folder's time as its own. Its content goes with it when it is removed.
function lockFs(owner: Owner) {
  return {
    ...fs,
    mkdir: (p: string, done: (err: NodeJS.ErrnoException | null) => void) => {
      createLockFolder(p, owner).then(() => done(null), done);
    },
    rmdir: (p: string, done: (err: NodeJS.ErrnoException | null) => void) => fs.rm(p, { recursive: true, force: true }, done),
    // Only used as the process exits, for every lock the library believes this process holds: a
    // run that lost its lock to another run must not take that run's with it.
    rmdirSync: (p: string) => {
      if (ownerTokenSync(p) === owner.token) fs.rmSync(p, { recursive: true, force: true });
    },
  };
}

function ownerTokenSync(lockPath: string): string | undefined {
  try {
    return OwnerSchema.parse(JSON.parse(fs.readFileSync(path.join(lockPath, OWNER_FILE), 'utf8'))).token;
  } catch {
    return undefined;
  }
}

const ATTEMPT = '.taking-';

async function createLockFolder(lockPath: string, owner: Owner): Promise<void> {
  const aside = await mkdtemp(`${lockPath}${ATTEMPT}`);
  try {
    await writeFile(path.join(aside, OWNER_FILE), JSON.stringify(owner), { flag: 'wx', mode: PRIVATE_FILE });
    await rename(aside, lockPath);
  } catch (e) {
    await rm(aside, { recursive: true, force: true });
    // Renaming onto a held lock: ENOTEMPTY or EEXIST on POSIX systems, EPERM on Windows.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY' || (await lstat(lockPath).then(() => true, () => false))) {
      throw Object.assign(new Error(`${lockPath} exists`), { code: 'EEXIST' });
    }
    throw e;
  }
}

// A process killed between making its attempt and renaming it leaves the attempt; a run in the
// middle of one finds the lock held either way.
async function removeAbandonedAttempts(lockPath: string): Promise<void> {
  const prefix = `${path.basename(lockPath)}${ATTEMPT}`;
  const names = await readdir(path.dirname(lockPath)).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => rm(path.join(path.dirname(lockPath), n), { recursive: true, force: true })));
}

async function readOwner(lockPath: string): Promise<Owner | null> {
  try {
    return OwnerSchema.parse(JSON.parse(await readFile(path.join(lockPath, OWNER_FILE), 'utf8')));
  } catch {
    return null;
  }
}

/** Only a process of this machine can be known gone; another machine's lock waits to go stale. */
async function goneOwner(lockPath: string): Promise<Owner | null> {
  const owner = await readOwner(lockPath);
  if (!owner || owner.host !== os.hostname() || owner.pid === process.pid) return null;
  try {
    process.kill(owner.pid, 0);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH' ? owner : null;
  }
}
