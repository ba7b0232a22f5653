// The compiled program, as Task Scheduler runs it: exit codes, messages, the report file.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { CLI, cli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { FIXTURE_SECRET, buildFixture, pdf, type Fixture } from '../helpers/fixture.js';

let sandbox: SandboxHandle;
let fixture: Fixture;

beforeAll(async () => {
  sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1'), entry('ent_2', 'FA-2'), entry('ent_3', 'OD-3')], processingDelayMs: 5, pollRetryAfterSeconds: null });
  fixture = await buildFixture(
    [
      { number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') },
      { number: 'FA-2', pdf: 'FA-2.pdf', content: 'not a pdf' },
    ],
    { baseUrl: sandbox.url },
  );
});

afterAll(async () => {
  await sandbox.close();
  await rm(fixture.dir, { recursive: true, force: true });
});

const env = () => ({ CNX_TEST_SECRET: 'sandbox-secret' });

describe('clearnox-sync CLI', () => {
  it('has help for every command', async () => {
    for (const command of [[], ['run'], ['missing'], ['sandbox'], ['demo']]) {
      const r = await cli([...command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/clearnox-sync/);
    }
    for (const help of [await cli(['--help']), await cli(['run', '--help'])]) {
      expect(help.stdout).toMatch(/Exit codes: 0 completed/);
      expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/5 credentials refused \(Clearnox, database, SFTP, SMB\) or a server's identity not verified/);
    }
    expect((await cli(['run', '--help'])).stdout).toMatch(/--dry-run/);
  });

  it('exits 2 on a usage error', async () => {
    const r = await cli(['run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config/);
    expect((await cli(['frobnicate'])).code).toBe(2);
  });

  it('exits 2 when an option is given twice, naming it and both values', async () => {
    const r = await cli(['run', '--config', fixture.mappingPath, '-c', 'other.yaml'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--config is given 2 times (${fixture.mappingPath}, other.yaml); give it once.`);
    expect(r.stderr).not.toMatch(/TypeError/);
    expect((await cli(['sandbox', '--port', '1', '--port', '2'])).code).toBe(2);
  });

  it('exits 2 before anything is sent when the folder of --report or --log-file cannot be made, naming the option and the folder', async () => {
    const before = sandbox.state().requests.tokens;
    const blocked = path.join(fixture.dir, 'erp.sqlite', 'reports');
    for (const option of ['--report', '--log-file']) {
      const r = await cli(['run', '--config', fixture.mappingPath, option, path.join(blocked, 'run-{timestamp}.json')], env());
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`${option}: the folder ${blocked} cannot be created or written to by this account (ENOTDIR)`);
    }
    // A link planted at the log file's name is not followed: the file it points to stays as it was.
    const target = path.join(fixture.dir, 'not-a-log.txt');
    await writeFile(target, 'keep me');
    const link = path.join(fixture.dir, 'linked.log');
    await symlink(target, link);
    const linked = await cli(['run', '--config', fixture.mappingPath, '--log-file', link], env());
    expect(linked.code, linked.stdout + linked.stderr).toBe(2);
    expect(linked.stderr).toContain(`--log-file: ${link}: the log file's name is a link, which is not followed`);
    expect(await readFile(target, 'utf8')).toBe('keep me');
    const folder = await cli(['run', '--config', fixture.mappingPath, '--report', fixture.dir], env());
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/--report: .* is a folder; give a file name in it/);
    expect(sandbox.state().requests.tokens).toBe(before);
  });

  it('exits 2 on a mapping-file error, naming the file, the line and the key', async () => {
    const bad = path.join(fixture.dir, 'bad.yaml');
    const text = (await readFile(fixture.mappingPath, 'utf8')).replace('pageSize: 7', 'pageSize: 7\n  pagesize: 9');
    await writeFile(bad, text);
    const r = await cli(['run', '--config', bad], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+/);
    expect(r.stderr).toMatch(/pagesize/);
    const missingVar = await cli(['run', '--config', fixture.mappingPath], { CNX_TEST_SECRET: '' });
    expect(missingVar.code).toBe(2);
    expect(missingVar.stderr).toMatch(/CNX_TEST_SECRET/);
  });

  it('lists the missing entries as a table or JSON', async () => {
    const table = await cli(['missing', '--config', fixture.mappingPath], env());
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/ent_1\s+FA-1\s+invoice/);
    const json = await cli(['missing', '--config', fixture.mappingPath, '--json'], env());
    expect(JSON.parse(json.stdout).map((e: { id: string }) => e.id)).toEqual(['ent_1', 'ent_2', 'ent_3']);
  });

  it('runs, writes the report, and exits 4 when a found document could not be delivered', async () => {
    const reportFile = path.join(fixture.dir, 'reports', 'run-{timestamp}.json');
    const dry = await cli(['run', '--config', fixture.mappingPath, '--dry-run'], env());
    expect(dry.stdout).toMatch(/Dry run/);
    expect(sandbox.state().entries.some((e) => e.attached)).toBe(false);

    const r = await cli(['run', '--config', fixture.mappingPath, '--report', reportFile, '--log-file', path.join(fixture.dir, 'logs', 'run.log')], env());
    expect(r.stdout).toMatch(/attached\s+1/);
    expect(r.code).toBe(4);
    const written = /Report: (.*)/.exec(r.stdout)![1]!.trim();
    expect(path.basename(written)).toMatch(/^run-\d{8}-\d{6}\.json$/);
    const report = JSON.parse(await readFile(written, 'utf8'));
    expect(report.entries.map((e: { outcome: string }) => e.outcome)).toEqual(['attached', 'invalid_document', 'not_found']);
    const log = await readFile(path.join(fixture.dir, 'logs', 'run.log'), 'utf8');
    expect(log).toMatch(/"msg"/);
    expect(log + JSON.stringify(report)).not.toContain('sandbox-secret');
  });

  it('exits 5 when Clearnox refuses the credentials, without showing the secret', async () => {
    const r = await cli(['run', '--config', fixture.mappingPath], { CNX_TEST_SECRET: FIXTURE_SECRET });
    expect(r.code).toBe(5);
    expect(r.stdout + r.stderr).toMatch(/client id or client secret/);
    expect(r.stdout + r.stderr).not.toContain(FIXTURE_SECRET);
  });

  it('exits 0 when every document found was delivered; entries not in the ERP are normal', async () => {
    const sb = await startSandbox({ entries: [entry('ent_1', 'FA-1'), entry('ent_9', 'OD-9')], processingDelayMs: 5, pollRetryAfterSeconds: null });
    const fx = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') }], { baseUrl: sb.url });
    try {
      const r = await cli(['run', '--config', fx.mappingPath], env());
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/attached\s+1/);
      expect(sb.state().entries.find((e) => e.id === 'ent_1')!.attachCount).toBe(1);
    } finally {
      await sb.close();
      await rm(fx.dir, { recursive: true, force: true });
    }
  });

  it('exits 3 when Clearnox cannot be reached, naming the address', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    // One repeat (clearnox.retries), told in the log, before giving up.
    const fx = await buildFixture([], { baseUrl: `http://127.0.0.1:${port}`, clearnox: '  retries: 1\n' });
    try {
      const r = await cli(['run', '--config', fx.mappingPath], env());
      expect(r.code).toBe(3);
      expect(r.stdout + r.stderr).toContain(`127.0.0.1:${port}`);
      expect(r.stdout + r.stderr).toMatch(/Repeating in \d+\.\d s \(1 of 1\)/);
      expect(r.stdout + r.stderr).toMatch(/\(1 repeat over \d+ s did not help\.\)/);
    } finally {
      await rm(fx.dir, { recursive: true, force: true });
    }
  });

  it('exits 2 when the database file named in the mapping file does not exist', async () => {
    const fx = await buildFixture([], { baseUrl: sandbox.url });
    try {
      await rm(path.join(fx.dir, 'erp.sqlite'));
      const r = await cli(['run', '--config', fx.mappingPath], env());
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/source\.path.*erp\.sqlite/);
    } finally {
      await rm(fx.dir, { recursive: true, force: true });
    }
  });

  it('starts the sandbox on 127.0.0.1 with an entries file, says it is a sandbox, and stops on SIGTERM', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-cli-sandbox-'));
    const entriesFile = path.join(dir, 'entries.json');
    const listed = await cli(['missing', '--config', fixture.mappingPath, '--json'], env());
    await writeFile(entriesFile, listed.stdout);
    const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--entries', entriesFile, '--client-secret', 's3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /clearnox\.baseUrl: (http:\/\/\S+)\n/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`sandbox exited ${code}: ${out}`)));
      });
      expect(out).toMatch(/^CLEARNOX SANDBOX/);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const state = (await (await fetch(`${url}/__sandbox/state`)).json()) as { entries: { id: string }[] };
      expect(state.entries.map((e) => e.id).sort()).toEqual(JSON.parse(listed.stdout).map((e: { id: string }) => e.id).sort());
      const token = await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'sandbox-client', client_secret: 's3' }),
      });
      expect(token.status).toBe(200);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on Ctrl+C stops waiting, writes the report, cleans its temporary files and exits 3', async () => {
    const sb = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 30_000, pollRetryAfterSeconds: null });
    const fx = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') }], { baseUrl: sb.url, upload: '  workDir: work\n' });
    const reportFile = path.join(fx.dir, 'report.json');
    const child = spawn(process.execPath, [CLI, 'run', '--config', fx.mappingPath, '--report', reportFile], {
      env: { ...process.env, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let err = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString();
          if (/Sending archive 1/.test(err)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`run exited ${code} early: ${err}`)));
      });
      await new Promise((r) => setTimeout(r, 300));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(3);
      const report = JSON.parse(await readFile(reportFile, 'utf8'));
      expect(report.status).toBe('aborted');
      expect(report.abort.kind).toBe('interrupted');
      expect(report.entries[0]).toMatchObject({ entryId: 'ent_1', outcome: 'error', reasonCode: 'not_sent', importId: expect.any(String) });
      expect(report.entries[0].reason).toMatch(/interrupted by SIGINT while Clearnox was processing import/);
      expect(await readdir(path.join(fx.dir, 'work'))).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await sb.close();
      await rm(fx.dir, { recursive: true, force: true });
    }
  });

  it('after a run killed while Clearnox processed its import, the next run waits for that import and sends nothing again', async () => {
    const sb = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 1500, pollRetryAfterSeconds: null });
    const fx = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') }], { baseUrl: sb.url });
    const child = spawn(process.execPath, [CLI, 'run', '--config', fx.mappingPath], { env: { ...process.env, ...env() }, stdio: 'ignore' });
    try {
      await expect.poll(() => sb.state().imports.length, { timeout: 10_000, interval: 20 }).toBe(1);
      // As a reboot or Task Scheduler's "stop the task" would: no chance to clean up.
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      expect(sb.state().imports[0]!.status).toBe('processing');

      const next = await cli(['run', '--config', fx.mappingPath], env());
      expect(next.code).toBe(0);
      expect(next.stderr).toMatch(/Import imp_\w+, sent on .* by a run that did not see it finish, completed: 1 attached, 0 rejected\./);
      const state = sb.state();
      expect(state.imports).toHaveLength(1);
      expect(state.entries[0]).toMatchObject({ id: 'ent_1', attachCount: 1 });
    } finally {
      child.kill('SIGKILL');
      await sb.close();
      await rm(fx.dir, { recursive: true, force: true });
    }
  });

  it('keeps the exit code of the run when its report cannot be written after documents were sent, and says what was sent', async () => {
    const sb = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 1500, pollRetryAfterSeconds: null });
    const fx = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') }], { baseUrl: sb.url });
    const reports = path.join(fx.dir, 'reports');
    const child = spawn(process.execPath, [CLI, 'run', '--config', fx.mappingPath, '--report', path.join(reports, 'run.json')], {
      env: { ...process.env, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (c: Buffer) => {
          out += c.toString();
          if (/Sending archive 1/.test(out)) resolve();
        });
        void exited.then((code) => reject(new Error(`run exited ${code} early: ${out}`)));
      });
      // The share holding the reports goes away while Clearnox processes the archive.
      await rm(reports, { recursive: true, force: true });
      await writeFile(reports, 'not a folder');
      expect(await exited, out).toBe(0);
      expect(out).toMatch(/--report: the report could not be written to .*run\.json/);
      expect(out).toMatch(/1 entry was attached, and 1 archive was sent to Clearnox/);
      expect(sb.state().entries[0]).toMatchObject({ id: 'ent_1', attachCount: 1 });
    } finally {
      child.kill('SIGKILL');
      await sb.close();
      await rm(fx.dir, { recursive: true, force: true });
    }
  });

  it('creates a missing upload.workDir, and exits 2 naming it when it cannot be created', async () => {
    const sb = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 5, pollRetryAfterSeconds: null });
    const good = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') }], { baseUrl: sb.url, upload: '  workDir: work/archives\n' });
    const bad = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') }], { baseUrl: sb.url, upload: '  workDir: erp.sqlite/archives\n' });
    try {
      const refused = await cli(['run', '--config', bad.mappingPath], env());
      expect(refused.code).toBe(2);
      expect(refused.stdout + refused.stderr).toMatch(/upload\.workDir: cannot create a folder in .*erp\.sqlite/);
      const ok = await cli(['run', '--config', good.mappingPath], env());
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(await readdir(path.join(good.dir, 'work', 'archives'))).toEqual([]);
    } finally {
      await sb.close();
      await rm(good.dir, { recursive: true, force: true });
      await rm(bad.dir, { recursive: true, force: true });
    }
  });
});
