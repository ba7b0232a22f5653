// The compiled program's logs as an administrator meets them: a plain-text log per run in the logs
// folder (steps, warnings, the summary, masked), old ones removed, -v and -q on the console, and
// no progress line when stderr is a pipe, as under Task Scheduler.
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { cli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { buildFixture, pdf, type Fixture } from '../helpers/fixture.js';

let sandbox: SandboxHandle;
let fixture: Fixture;
const env = { CNX_TEST_SECRET: 'sandbox-secret' };

beforeEach(async () => {
  sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1'), entry('ent_2', 'FA-2')], processingDelayMs: 5, pollRetryAfterSeconds: null });
  fixture = await buildFixture(
    [
      { number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') },
      // In the ERP, but its PDF is not in the store.
      { number: 'FA-2', pdf: '2026/FA-2.pdf' },
    ],
    { baseUrl: sandbox.url },
  );
});

afterEach(async () => {
  await sandbox.close();
  await rm(fixture.dir, { recursive: true, force: true });
});

async function runLogs(folder: string): Promise<string[]> {
  return (await readdir(folder).catch(() => [] as string[])).filter((n) => /^run-\d{8}-\d{6}(-\d+)?\.log$/.test(n)).sort();
}

describe('the plain-text log of a run', () => {
  it('is written beside the mapping file by default: the steps, a warning for the missing file, the summary last; named on stdout', async () => {
    const r = await cli(['run', '--config', fixture.mappingPath], env);
    expect(r.code, r.stderr).toBe(4);
    const folder = path.join(fixture.dir, 'clearnox-sync-logs');
    const [name, ...others] = await runLogs(folder);
    expect(others).toEqual([]);
    const file = path.join(folder, name!);
    expect(r.stdout).toContain(`Log: ${file}\n`);
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^clearnox-sync run of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(times are local, UTC[+-]\\d\\d:\\d\\d\\), mapping file ${fixture.mappingPath.replace(/[.\\]/g, '\\$&')}$`));
    const at = String.raw`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  `;
    expect(text).toMatch(new RegExp(`${at}INFO   Run \\S+$`, 'm'));
    expect(text).toMatch(new RegExp(`${at}INFO   2 entries have no document in Clearnox\\.$`, 'm'));
    // Every detail, whatever the console showed.
    expect(text).toMatch(new RegExp(`${at}DEBUG  Looked up 2 of 2 document numbers$`, 'm'));
    expect(r.stderr).not.toContain('Looked up');
    expect(text).toMatch(new RegExp(`${at}WARN   .*FA-2.*2026/FA-2\\.pdf`, 'm'));
    expect(text).toMatch(new RegExp(`${at}INFO   Archive 1: 1 attached, 0 rejected`, 'm'));
    const summary = r.stdout.slice(0, r.stdout.indexOf('Log: '));
    expect(summary).toMatch(/^Run completed, with documents not delivered/);
    expect(text.endsWith(`\n${summary}`)).toBe(true);
  });

  it('masks a secret in its lines and its summary', async () => {
    const secretRoot = path.join(fixture.dir, 'no-such-zyxwvut-folder');
    await writeFile(path.join(fixture.dir, 'root.txt'), `${secretRoot}\n`);
    await writeFile(fixture.mappingPath, (await readFile(fixture.mappingPath, 'utf8')).replace('root: pdfs', 'root: ${file:root.txt}'));
    const r = await cli(['run', '--config', fixture.mappingPath], env);
    expect(r.stdout).toMatch(/ABORTED/);
    const folder = path.join(fixture.dir, 'clearnox-sync-logs');
    const text = await readFile(path.join(folder, (await runLogs(folder))[0]!), 'utf8');
    expect(text).toMatch(/ERROR  Run aborted while .*\*\*\*/);
    expect(text).toMatch(/\nRun ABORTED while [^\n]*\n {2}.*\*\*\*/);
    expect(text).not.toContain('zyxwvut');
  });

  it('goes to logs.folder, or --log-dir, where the oldest beyond logs.keepRuns are removed and nothing else', async () => {
    await writeFile(fixture.mappingPath, `${await readFile(fixture.mappingPath, 'utf8')}logs:\n  folder: mine/logs\n  keepRuns: 2\n`);
    const folder = path.join(fixture.dir, 'mine', 'logs');
    await mkdir(folder, { recursive: true });
    const old = ['run-20260101-000000.log', 'run-20260102-000000.log', 'run-20260103-000000.log'];
    for (const [i, name] of [...old, 'notes.txt'].entries()) {
      await writeFile(path.join(folder, name), 'old\n');
      const t = new Date(Date.now() - (10 - i) * 60_000);
      await utimes(path.join(folder, name), t, t);
    }
    const r = await cli(['run', '--config', fixture.mappingPath, '--dry-run'], env);
    expect(r.code, r.stderr).toBe(4);
    const kept = await runLogs(folder);
    expect(kept).toHaveLength(2);
    expect(kept[0]).toBe('run-20260103-000000.log');
    expect(await readdir(folder)).toContain('notes.txt');
    expect(await runLogs(path.join(fixture.dir, 'clearnox-sync-logs'))).toEqual([]);

    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'cnx-log-dir-'));
    try {
      const again = await cli(['run', '--config', fixture.mappingPath, '--dry-run', '--log-dir', path.join(elsewhere, 'sub')], env);
      expect(again.code, again.stderr).toBe(4);
      expect(await runLogs(path.join(elsewhere, 'sub'))).toHaveLength(1);
      expect(await runLogs(folder)).toEqual(kept);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('refuses a logs folder that is a file, before anything is sent (exit 2)', async () => {
    const notAFolder = path.join(fixture.dir, 'a-file');
    await writeFile(notAFolder, 'x');
    const r = await cli(['run', '--config', fixture.mappingPath, '--log-dir', notAFolder], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--log-dir: the folder .*a-file cannot be created or written to by this account/);
    expect(sandbox.state().imports).toEqual([]);
  });
});

describe('the console of a run', () => {
  it('with stderr a pipe, holds no progress line: no carriage return, no escape code', async () => {
    const r = await cli(['run', '--config', fixture.mappingPath], env);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/entries have no document/);
    for (const out of [r.stderr, r.stdout]) {
      expect(out).not.toMatch(/[\r\x1b]/);
    }
  });

  it('-v shows the details, -q only warnings, errors and the first line of the summary', async () => {
    const verbose = await cli(['run', '--config', fixture.mappingPath, '--dry-run', '-v'], env);
    expect(verbose.code, verbose.stderr).toBe(4);
    expect(verbose.stderr).toContain('Looked up 2 of 2 document numbers');
    expect(verbose.stderr).toContain('2 entries have no document in Clearnox.');

    const quiet = await cli(['run', '--config', fixture.mappingPath, '--dry-run', '--quiet'], env);
    expect(quiet.code, quiet.stderr).toBe(4);
    expect(quiet.stderr).not.toContain('entries have no document');
    expect(quiet.stderr).toMatch(/^WARN: .*FA-2/m);
    expect(quiet.stderr.split('\n').filter((l) => l && !l.startsWith('WARN: ') && !l.startsWith('ERROR: '))).toEqual([]);
    expect(quiet.stdout).toMatch(/^Dry run \(nothing sent\) completed, with documents not delivered[^\n]*\n$/);
    // The log has everything all the same.
    const folder = path.join(fixture.dir, 'clearnox-sync-logs');
    const logs = await runLogs(folder);
    expect(logs).toHaveLength(2);
    const text = await readFile(path.join(folder, logs.at(-1)!), 'utf8');
    expect(text).toContain('DEBUG  Looked up 2 of 2 document numbers');
    expect(text).toContain('  would attach        1');
  });

  it('refuses -v with -q (exit 2), having done nothing', async () => {
    const r = await cli(['run', '--config', fixture.mappingPath, '-v', '-q'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('-v (--verbose) and -q (--quiet) ask for opposite things: give one of them.');
    expect(await runLogs(path.join(fixture.dir, 'clearnox-sync-logs'))).toEqual([]);
  });
});
