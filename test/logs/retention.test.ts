// Old run logs go by age and by count; nothing else in the folder is touched, and a link is
// neither followed nor removed.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { pruneRunLogs } from '../../src/logs/retention.js';

let dir: string;
const now = new Date('2026-12-02T03:30:12Z');
const DAY = 24 * 60 * 60 * 1000;
const log = createLogger({ console: false });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-retention-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file in the folder, last written `daysAgo` days before `now`. */
async function file(name: string, daysAgo: number, folder = dir): Promise<string> {
  const p = path.join(folder, name);
  await writeFile(p, `${name}\n`);
  const t = new Date(now.getTime() - daysAgo * DAY);
  await utimes(p, t, t);
  return p;
}

describe('pruneRunLogs', () => {
  it('removes the run logs older than keepDays, and keeps the rest', async () => {
    const current = await file('run-20261202-033012.log', 0);
    await file('run-20261125-033000.log', 7);
    await file('run-20261102-033000.log', 30.5);
    await file('run-20260902-033000-2.log', 91);
    const removed = await pruneRunLogs(dir, { keepDays: 30, keepRuns: 100 }, { current, log, now });
    expect(removed.sort()).toEqual(['run-20260902-033000-2.log', 'run-20261102-033000.log']);
    expect((await readdir(dir)).sort()).toEqual(['run-20261125-033000.log', 'run-20261202-033012.log']);
  });

  it('keeps the newest keepRuns, this run\'s among them, whatever their names say', async () => {
    const current = await file('run-20261202-033012.log', 0);
    // Named out of order: the age on disk decides which are the newest.
    await file('run-20261201-000000.log', 3);
    await file('run-20261130-000000.log', 1);
    await file('run-20261129-000000.log', 2);
    const removed = await pruneRunLogs(dir, { keepDays: 30, keepRuns: 3 }, { current, log, now });
    expect(removed).toEqual(['run-20261201-000000.log']);
    expect((await readdir(dir)).sort()).toEqual(['run-20261129-000000.log', 'run-20261130-000000.log', 'run-20261202-033012.log']);
  });

  it('never removes this run\'s log, even with keepRuns 1 and an older clock', async () => {
    const current = await file('run-20261202-033012.log', 60);
    await file('run-20261201-000000.log', 1);
    await pruneRunLogs(dir, { keepDays: 1, keepRuns: 1 }, { current, log, now });
    expect(await readdir(dir)).toEqual(['run-20261202-033012.log']);
  });

  it('touches nothing but its own names: other files, folders and links stay, and what a link points to too', async () => {
    const current = await file('run-20261202-033012.log', 0);
    const outside = await mkdtemp(path.join(os.tmpdir(), 'cnx-retention-outside-'));
    try {
      const target = await file('run-20200101-000000.log', 2000, outside);
      await symlink(target, path.join(dir, 'run-20200102-000000.log'));
      await symlink(outside, path.join(dir, 'run-20200103-000000.log'));
      await mkdir(path.join(dir, 'run-20200104-000000.log'));
      for (const name of ['report-20200101.json', 'run-20200101-000000.json', 'run-2020.log', 'notes.txt', 'run-20200101-000000.log.bak', 'RUN-20200101-000000.LOG']) {
        await file(name, 2000);
      }
      const before = (await readdir(dir)).sort();
      const removed = await pruneRunLogs(dir, { keepDays: 1, keepRuns: 1 }, { current, log, now });
      expect(removed).toEqual([]);
      expect((await readdir(dir)).sort()).toEqual(before);
      expect(await readFile(target, 'utf8')).toBe('run-20200101-000000.log\n');
      expect(await readdir(outside)).toEqual(['run-20200101-000000.log']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('warns, and goes on, when the folder cannot be read', async () => {
    const lines: string[] = [];
    const warned = createLogger({ console: true, level: 'warn', consoleWrite: (t) => void lines.push(t) });
    const removed = await pruneRunLogs(path.join(dir, 'gone'), { keepDays: 30, keepRuns: 100 }, { current: 'run-20261202-033012.log', log: warned, now });
    expect(removed).toEqual([]);
    expect(lines.join('')).toMatch(/^WARN: Old logs in .*gone were not removed: the folder could not be read/);
  });
});
