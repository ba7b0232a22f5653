// Whole runs and the lock of their mapping file: a run that lost it sends nothing more, and a run
// after one killed in the middle of an upload takes the lock over and removes what it left.
// The killed run is the compiled program (`npx tsc -p tsconfig.json` first).
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import { runSync } from '../../src/pipeline/run.js';
import { RunState } from '../../src/pipeline/run-state.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { CLI } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { buildFixture, pdf, type Fixture } from '../helpers/fixture.js';

const adapters = builtinAdapters();
const IDS = ['ent_1', 'ent_2', 'ent_3', 'ent_4', 'ent_5'];
let sandbox: SandboxHandle | undefined;
let fixture: Fixture | undefined;

afterEach(async () => {
  await sandbox?.close();
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
  sandbox = undefined;
  fixture = undefined;
});

// Five documents, four to an archive: two archives (or as many as `ids` need).
async function setUp(processingDelayMs: number, ids = IDS) {
  sandbox = await startSandbox({ entries: ids.map((id, i) => entry(id, `FA-${i + 1}`)), processingDelayMs, pollRetryAfterSeconds: null });
  fixture = await buildFixture(
    ids.map((_, i) => ({ number: `FA-${i + 1}`, pdf: `FA-${i + 1}.pdf`, content: pdf(`FA-${i + 1}`) })),
    { baseUrl: sandbox.url },
  );
  const loaded = await loadMapping(fixture.mappingPath, adapters);
  const sleep = () => new Promise<void>((resolve) => setTimeout(resolve, 5));
  const api = new ClearnoxClient({ baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', log: silentLogger, sleep });
  return { loaded, api, stateDir: path.join(fixture.dir, 'clearnox-sync-state') };
}

function recordingLogger(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (o: object | string, msg?: string) => void warnings.push(typeof o === 'string' ? o : (msg ?? '')) } as Logger;
  return { log, warnings };
}

const attachCounts = () => Object.fromEntries(sandbox!.state().entries.map((e) => [e.id, e.attachCount]));

describe('whole runs and the lock', () => {
  it('a run whose lock another run took over stops before its next archive, as busy', async () => {
    // Three archives: the first two are sent at once (the contract's two imports in processing),
    // the third must wait for a place.
    const ids = Array.from({ length: 9 }, (_, i) => `ent_${i + 1}`);
    const { loaded, api, stateDir } = await setUp(1500, ids);
    const running = runSync({ loaded, api, log: silentLogger });
    await expect.poll(() => sandbox!.state().imports.length, { timeout: 10_000, interval: 20 }).toBe(2);
    // While Clearnox processes the first two archives, another run takes the lock over.
    await rm(path.join(stateDir, 'mapping.yaml.lock'), { recursive: true });
    const other = await RunState.open(stateDir, loaded.file, silentLogger);
    try {
      const report = await running;
      expect(report.abort).toMatchObject({ kind: 'busy', stage: 'sending the documents to Clearnox' });
      expect(report.abort!.message).toMatch(/this run no longer holds the lock of its mapping file .* stopped before sending anything more/);
      expect(exitCodeFor(report)).toBe(3);
      expect(sandbox!.state().imports).toHaveLength(2);
      // What belongs to the run holding the lock now is left alone.
      await expect(other.assertHeld()).resolves.toBeUndefined();
    } finally {
      await other.close();
    }
    const next = await runSync({ loaded, api, log: silentLogger });
    expect(next.abort).toBeUndefined();
    expect(attachCounts()).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
  });

  it('a run that leaves by process.exit or an uncaught error, past several refreshes, takes its lock with it', async () => {
    const { loaded, stateDir } = await setUp(10);
    const runState = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/src/pipeline/run-state.js')).href;
    for (const leave of ['process.exit(3)', "throw new Error('a bug')"]) {
      const script =
        `const { RunState } = await import(${JSON.stringify(runState)});` +
        `const { silentLogger } = await import(${JSON.stringify(runState.replace(/pipeline\/run-state\.js$/, 'log.js'))});` +
        `await RunState.open(${JSON.stringify(stateDir)}, ${JSON.stringify(loaded.file)}, silentLogger, { staleMs: 2000, refreshMs: 1000 });` +
        `await new Promise((r) => setTimeout(r, 2500)); ${leave};`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).not.toBe(0);
      expect(await readdir(stateDir)).not.toContain('mapping.yaml.lock');
    }
  });

  it('after a run killed during an upload, the next takes its lock over, sends that archive again and leaves no file of it behind', async () => {
    const { loaded, api, stateDir } = await setUp(10);
    // The answers to the first uploads are lost: the killed run is left not knowing.
    sandbox!.control.loseNextAnswer('imports', 3);
    const tmp = path.join(fixture!.dir, 'tmp');
    await mkdir(tmp);
    const child = spawn(process.execPath, [CLI, 'run', '--config', fixture!.mappingPath], {
      env: { ...process.env, CNX_TEST_SECRET: 'sandbox-secret', TMPDIR: tmp, TEMP: tmp, TMP: tmp },
      stdio: 'ignore',
    });
    try {
      await expect.poll(() => sandbox!.state().imports.length, { timeout: 10_000, interval: 10 }).toBe(1);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    } finally {
      child.kill('SIGKILL');
    }
    // Nothing of the run in the system's temporary folder; its archives are in the state folder.
    expect(await readdir(tmp)).toEqual([]);
    const work = path.join(stateDir, 'mapping.yaml.work');
    const [runFolder] = await readdir(work);
    expect((await readdir(path.join(work, runFolder!))).length).toBeGreaterThan(0);

    const { log, warnings } = recordingLogger();
    const next = await runSync({ loaded, api, log });
    expect(warnings).toContain('The previous run of this mapping file stopped without releasing its lock; taking it over.');
    expect(next.abort).toBeUndefined();
    expect(attachCounts()).toEqual(Object.fromEntries(IDS.map((id) => [id, 1])));
    // The first archive went again under its key: Clearnox answered with the first import.
    expect(sandbox!.state().imports).toHaveLength(2);
    expect((await readdir(stateDir)).sort()).toEqual(['mapping.yaml.archives', 'mapping.yaml.imports.json']);
    expect(await readdir(path.join(stateDir, 'mapping.yaml.archives'))).toEqual([]);
  });
});
