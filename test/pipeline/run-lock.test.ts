// The lock between two runs of one mapping file over time: a run holds it as long as it lives,
// leaves nothing behind when it ends, and stops sending once it no longer holds it.
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../src/log.js';
import { RunBusyError, RunState, type RunStateOptions } from '../../src/pipeline/run-state.js';

// proper-lockfile's floors: the shortest stale time and refresh it allows.
const QUICK: RunStateOptions = { staleMs: 2000, refreshMs: 1000 };

let dir: string;
let opened: RunState[] = [];
const mapping = () => path.join(dir, 'acme.yaml');
const stateDir = () => path.join(dir, 'state');
const lockPath = () => path.join(stateDir(), 'acme.yaml.lock');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recordingLogger(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (o: object | string, msg?: string) => void warnings.push(typeof o === 'string' ? o : (msg ?? '')) } as Logger;
  return { log, warnings };
}

async function open(log: Logger = silentLogger, opts: RunStateOptions = QUICK): Promise<RunState> {
  const s = await RunState.open(stateDir(), mapping(), log, opts);
  opened.push(s);
  return s;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-lock-'));
  opened = [];
});
afterEach(async () => {
  for (const s of opened) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the lock of a mapping file', () => {
  it('stays with a run that lives well past several refreshes and the stale time: a second run is refused', async () => {
    const first = recordingLogger();
    const holder = await open(first.log);
    await sleep(5 * QUICK.staleMs!);
    const second = await open().catch((e: unknown) => e);
    expect(second).toBeInstanceOf(RunBusyError);
    expect((second as Error).message).toMatch(/another run with this mapping file is in progress \(process \d+ on .*\); this run did nothing/);
    await expect(holder.assertHeld()).resolves.toBeUndefined();
    expect(first.warnings).toEqual([]);
  });

  it('stays with a run past the real stale time (a minute) and refuses a second one', { timeout: 100_000 }, async () => {
    const holder = await open(silentLogger, {});
    await sleep(72_000);
    await expect(open(silentLogger, {})).rejects.toBeInstanceOf(RunBusyError);
    await expect(holder.assertHeld()).resolves.toBeUndefined();
  });

  it('is gone when a run ends: the next one finds no lock to take over', async () => {
    const holder = await open();
    await sleep(3 * QUICK.refreshMs!);
    await holder.close();
    expect(await readdir(stateDir())).not.toContain('acme.yaml.lock');
    const next = recordingLogger();
    await open(next.log);
    expect(next.warnings).toEqual([]);
  });

  it('stops a run that lost it to another run: it is told before it sends anything more', async () => {
    const holder = await open();
    // Another run took it over (as one would after a minute without refresh).
    await rm(lockPath(), { recursive: true, force: true });
    const other = await open();
    const lost = await holder.assertHeld().catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(RunBusyError);
    expect((lost as Error).message).toMatch(/this run no longer holds the lock of its mapping file .*acme\.yaml\.lock.*another run took it over.* stopped before sending anything more/);
    // The one that took it keeps it; the one that lost it does not remove it when it ends.
    await holder.close();
    await expect(other.assertHeld()).resolves.toBeUndefined();
    await expect(open()).rejects.toBeInstanceOf(RunBusyError);
  });

  it('is taken again by its run after a missed refresh when nobody else took it', async () => {
    const { log, warnings } = recordingLogger();
    const holder = await open(log);
    // The folder's time is no longer the one the run set (a clock jump, a suspended machine).
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath(), old, old);
    await sleep(2.5 * QUICK.refreshMs!);
    expect(warnings.join('\n')).toMatch(/lock/);
    await expect(holder.assertHeld()).resolves.toBeUndefined();
    await sleep(3 * QUICK.staleMs!);
    await expect(open()).rejects.toBeInstanceOf(RunBusyError);
  });
});
