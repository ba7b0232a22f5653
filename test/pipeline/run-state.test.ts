// The lock between two runs of one mapping file, and the imports a run leaves for the next.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdapterConfigError } from '../../adapters/types.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { RunBusyError, RunState, type PendingImport } from '../../src/pipeline/run-state.js';

let dir: string;
let opened: RunState[] = [];
const mapping = () => path.join(dir, 'acme.yaml');
const stateDir = () => path.join(dir, 'state');
const open = async () => {
  const s = await RunState.open(stateDir(), mapping(), silentLogger);
  opened.push(s);
  return s;
};
const pending = (name: string, entryIds: string[]): PendingImport => ({ idempotencyKey: `k-${name}`, runId: 'r1', sentAt: '2026-11-25T02:30:00.000Z', entryIds });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-state-'));
  opened = [];
});
afterEach(async () => {
  for (const s of opened) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe('RunState', () => {
  it('lets one run of a mapping file in at a time, naming the one in progress', async () => {
    const first = await open();
    const second = await open().catch((e: unknown) => e);
    expect(second).toBeInstanceOf(RunBusyError);
    expect((second as Error).message).toMatch(new RegExp(`another run with this mapping file is in progress \\(process ${process.pid} on .*, since .*\\); this run did nothing`));
    await first.close();
    await expect(open()).resolves.toBeInstanceOf(RunState);
  });

  it('keeps other mapping files apart', async () => {
    await open();
    const other = await RunState.open(stateDir(), path.join(dir, 'globex.yaml'), silentLogger);
    opened.push(other);
    expect(other).toBeInstanceOf(RunState);
  });

  it('refuses the state of another mapping file of the same name sharing the folder, rather than send its archives', async () => {
    const first = await open();
    await first.sending({ ...pending('a', ['e1']), archive: path.join(dir, 'nowhere.zip') });
    await first.close();
    expect(JSON.parse(await readFile(path.join(stateDir(), 'acme.yaml.imports.json'), 'utf8')).mappingFile).toBe(mapping());
    const other = path.join(dir, 'customer-b', 'acme.yaml');
    const refused = await RunState.open(stateDir(), other, silentLogger).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused).not.toBeInstanceOf(AdapterConfigError);
    expect((refused as Error).message).toContain(`is the state of another mapping file of the same name, ${mapping()}; this run sent nothing`);
    // Refused with its lock let go: the mapping file it belongs to still runs.
    const again = await open();
    expect(again.pending.map((p) => p.idempotencyKey)).toEqual(['k-a']);
  });

  it('takes a state file written before it named its mapping file as its own, and names it from then on', async () => {
    await mkdir(stateDir(), { recursive: true });
    const file = path.join(stateDir(), 'acme.yaml.imports.json');
    await writeFile(file, JSON.stringify({ version: 1, pending: [pending('old', ['e1'])] }));
    const state = await open();
    expect(state.pending.map((p) => p.idempotencyKey)).toEqual(['k-old']);
    await state.settled('k-old');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, mappingFile: mapping(), pending: [] });
  });

  it('takes over a lock whose process is gone, at once on this machine and after a minute from elsewhere', async () => {
    const lock = path.join(stateDir(), 'acme.yaml.lock');
    // A process that ran here and exited: its pid is free.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await mkdir(lock, { recursive: true });
    await writeFile(path.join(lock, 'owner.json'), JSON.stringify({ pid: Number(dead), host: os.hostname(), since: '2026-11-25T02:30:00.000Z' }));
    const taken = await open();
    await taken.close();

    // Another machine's lock, still fresh: busy; the same lock a minute old: taken over.
    await mkdir(lock, { recursive: true });
    await writeFile(path.join(lock, 'owner.json'), JSON.stringify({ pid: 4242, host: 'OTHER-SERVER', since: '2026-11-25T02:30:00.000Z' }));
    await expect(open()).rejects.toThrow(/process 4242 on OTHER-SERVER/);
    const old = new Date(Date.now() - 2 * 60_000);
    await utimes(lock, old, old);
    await expect(open()).resolves.toBeInstanceOf(RunState);
  });

  it('remembers what was sent until it is settled, across runs, keeping an archive whose fate is unknown', async () => {
    const work = path.join(dir, 'work');
    await mkdir(work);
    const archive = (n: number) => path.join(work, `a${n}.zip`);
    for (const n of [1, 2, 3]) await writeFile(archive(n), `zip ${n}`);
    const first = await open();
    expect(first.pending).toEqual([]);
    await first.sending({ ...pending('imp_1', ['ent_1', 'ent_2']), archive: archive(1) });
    await first.accepted('k-imp_1', 'imp_1');
    await first.sending({ ...pending('imp_2', ['ent_3']), archive: archive(2) });
    await first.accepted('k-imp_2', 'imp_2');
    await first.settled('k-imp_1');
    await first.sending({ ...pending('x', ['ent_4']), archive: archive(3) });
    await first.keepArchive('k-x');
    await first.close();
    await rm(work, { recursive: true }); // the run's work folder goes; the kept archive stays

    const second = await open();
    const kept = path.join(stateDir(), 'acme.yaml.archives', 'k-x.zip');
    expect(second.pending).toEqual([{ ...pending('imp_2', ['ent_3']), importId: 'imp_2' }, { ...pending('x', ['ent_4']), archive: kept }]);
    expect(await readFile(kept, 'utf8')).toBe('zip 3');
    await second.accepted('k-x', 'imp_9');
    await expect(readFile(kept)).rejects.toThrow(/ENOENT/);
    await second.settled('k-imp_2');
    await second.settled('k-x');
    await second.close();
    expect(JSON.parse(await readFile(path.join(stateDir(), 'acme.yaml.imports.json'), 'utf8'))).toEqual({ version: 1, mappingFile: mapping(), pending: [] });
  });

  it('ignores a state file it did not write, with a warning, and replaces it', async () => {
    await mkdir(stateDir(), { recursive: true });
    await writeFile(path.join(stateDir(), 'acme.yaml.imports.json'), '{"something": "else"');
    const warnings: string[] = [];
    const s = await RunState.open(stateDir(), mapping(), { ...silentLogger, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') });
    opened.push(s);
    expect(s.pending).toEqual([]);
    expect(warnings.join()).toMatch(/acme\.yaml\.imports\.json is not a state file this program wrote/);
    await s.sending({ ...pending('imp_3', ['ent_9']), archive: path.join(dir, 'a.zip') });
    expect(JSON.parse(await readFile(path.join(stateDir(), 'acme.yaml.imports.json'), 'utf8')).pending).toHaveLength(1);
  });

  it('lets go of the lock when it cannot read the state file', async () => {
    await mkdir(path.join(stateDir(), 'acme.yaml.imports.json'), { recursive: true });
    for (let i = 0; i < 2; i++) {
      const e = await open().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ConfigError);
      expect(e).not.toBeInstanceOf(AdapterConfigError);
      expect((e as Error).message).toMatch(/^upload\.stateDir: cannot read .*acme\.yaml\.imports\.json \(EISDIR\)/);
    }
  });

  it('says upload.workDir when the work folder cannot be made there', async () => {
    await writeFile(path.join(dir, 'a-file'), '');
    const state = await RunState.open(stateDir(), mapping(), silentLogger, { workDir: path.join(dir, 'a-file', 'work') });
    opened.push(state);
    const e = await state.makeWorkFolder().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e).not.toBeInstanceOf(AdapterConfigError);
    expect((e as Error).message).toMatch(/^upload\.workDir: cannot create a folder in .*a-file.work \(ENOTDIR\)/);
  });

  it('says which key to change when the folder cannot be made', async () => {
    await writeFile(path.join(dir, 'a-file'), '');
    const e = await RunState.open(path.join(dir, 'a-file', 'state'), mapping(), silentLogger).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e).not.toBeInstanceOf(AdapterConfigError);
    expect((e as Error).message).toMatch(/^upload\.stateDir: cannot create the folder .*a-file.state \(ENOTDIR\)/);
  });
});
