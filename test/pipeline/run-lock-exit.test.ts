// A run that lost its lock to another run leaves that run's lock where it is when it ends: the
// lock's library removes every lock it believes its process holds as the process exits.
// The run that loses it is the compiled program (`npx tsc -p tsconfig.json` first).
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { RunState } from '../../src/pipeline/run-state.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-lock-exit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a run that lost its lock', () => {
  it('leaves the lock of the run that took it over when it ends, by process.exit or by itself', async () => {
    const stateDir = path.join(dir, 'state');
    const mapping = path.join(dir, 'acme.yaml');
    const dist = path.resolve(import.meta.dirname, '../../dist/src');
    const url = (f: string) => JSON.stringify(pathToFileURL(path.join(dist, f)).href);
    for (const leave of ['process.exit(3)', '']) {
      const script =
        `const { RunState } = await import(${url('pipeline/run-state.js')});` +
        `const { silentLogger } = await import(${url('log.js')});` +
        `const s = await RunState.open(${JSON.stringify(stateDir)}, ${JSON.stringify(mapping)}, silentLogger);` +
        `process.stdout.write('held\\n');` +
        `await new Promise((r) => process.stdin.once('data', r)); process.stdin.destroy();` +
        `const lost = await s.assertHeld().then(() => 'held', (e) => e.constructor.name);` +
        `process.stdout.write(lost + '\\n'); await s.close(); ${leave};`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise((r) => child.once('exit', r));
      await expect.poll(() => out, { timeout: 10_000, interval: 20 }).toContain('held');
      // Another run takes it over (as after a minute without refresh), well before the child's next refresh.
      await rm(path.join(stateDir, 'acme.yaml.lock'), { recursive: true });
      const other = await RunState.open(stateDir, mapping, silentLogger);
      try {
        child.stdin.write('go\n');
        await exited;
        expect(out).toContain('RunBusyError');
        expect(await readdir(stateDir)).toContain('acme.yaml.lock');
        await expect(other.assertHeld()).resolves.toBeUndefined();
      } finally {
        await other.close();
      }
    }
  });
});
