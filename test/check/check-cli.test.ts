// `check` through the compiled program, on a SQLite ERP and a local folder against the sandbox:
// what an integrator sees before the first run, and the exit code a script would test.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { cli } from '../helpers/cli.js';
import { closedPort } from '../helpers/closed-port.js';
import { entry } from '../helpers/entries.js';
import { fakePdf } from '../helpers/pdf.js';
import { clearnoxYaml, SANDBOX_CLIENT_SECRET, SANDBOX_SECRET_ENV, SQLITE_INVOICES_SOURCE } from '../helpers/sandbox-run.js';

let sandbox: SandboxHandle;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1'), entry('ent_2', 'FA-2'), entry('ent_3', 'FA-3')], processingDelayMs: 5, pollRetryAfterSeconds: null });
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  await sandbox.close();
});

/** A customer's folder: a SQLite ERP knowing FA-1..FA-3, their PDFs in pdfs/ but those left out. */
async function customer(opts: { baseUrl?: string; leaveOut?: string[] } = {}): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-check-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
  db.exec("CREATE TABLE invoices (number TEXT, pdf TEXT); INSERT INTO invoices VALUES ('FA-1', 'FA-1.pdf'), ('FA-2', 'FA-2.pdf'), ('FA-3', 'FA-3.pdf')");
  db.close();
  await mkdir(path.join(dir, 'pdfs'));
  for (const n of ['FA-1', 'FA-2', 'FA-3']) if (!opts.leaveOut?.includes(n)) await writeFile(path.join(dir, 'pdfs', `${n}.pdf`), fakePdf(n));
  const file = path.join(dir, 'mapping.yaml');
  await writeFile(file, `version: 1\n${clearnoxYaml(opts.baseUrl ?? sandbox.url)}${SQLITE_INVOICES_SOURCE}documents:\n  type: local\n  root: pdfs\n`);
  return { dir, file };
}

const env = { [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET, LANG: 'en_US.UTF-8', LC_ALL: '' };

describe('check', () => {
  it('passes every check of a good mapping file, shows the rows and paths, exits 0 and leaves nothing behind', async () => {
    const { dir, file } = await customer();
    const r = await cli(['check', '--config', file], env);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).not.toMatch(/✖|⚠/);
    expect(out).toMatch(/^✔ Mapping file: .*mapping\.yaml is valid/m);
    expect(out).toMatch(/^✔ State folder: .*clearnox-sync-state does not exist yet/m);
    expect(out).toMatch(/^✔ Clearnox sign-in: /m);
    expect(out).toMatch(/^✔ Clearnox entries: 3 entries have no document/m);
    expect(out).toMatch(/^✔ Database: connected \(source\.type: sqlite\); SQLite \d/m);
    expect(out).toMatch(/^✔ Database account: the file is opened read-only/m);
    expect(out).toMatch(/^✔ Database query: ran on 3 numbers \(FA-1, FA-2, FA-3\): 3 rows, 3 with one path/m);
    expect(out).toMatch(/^ {4}row: documentNumber=FA-1, path=FA-1\.pdf$/m);
    expect(out).toMatch(/^ {4}FA-2 -> FA-2\.pdf$/m);
    expect(out).toMatch(/^✔ Document store: reached /m);
    expect(out).toMatch(/^✔ Document FA-3: FA-3\.pdf: a PDF of \d+ bytes, read to its end/m);
    expect(out).toMatch(/All \d+ checks passed\. Nothing was sent\./);
    // Nothing sent, no state, no probe file left.
    expect(sandbox.state().imports).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['erp.sqlite', 'mapping.yaml', 'pdfs']);
    expect(out).not.toContain(SANDBOX_CLIENT_SECRET);
  });

  it('names a missing PDF with a ✖ and exits 4', async () => {
    const { file } = await customer({ leaveOut: ['FA-2'] });
    const r = await cli(['check', '--config', file], env);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(4);
    expect(out).toMatch(/^✖ Document FA-2: .*"FA-2\.pdf"/m);
    expect(out).toMatch(/^✔ Document FA-1: /m);
    expect(out).toMatch(/1 failed\. Nothing was sent\. Exit code 4\./);
  });

  it('still checks the database and the store on --number when Clearnox cannot be reached, and exits 3', async () => {
    const { file } = await customer({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const r = await cli(['check', '--config', file, '--number', 'FA-1', '--number', 'FA-3'], env);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(3);
    expect(out).toMatch(/^✖ Clearnox sign-in: .*127\.0\.0\.1/m);
    expect(out).toMatch(/^✔ Database: connected/m);
    expect(out).toMatch(/^✔ Database query: ran on 2 numbers \(FA-1, FA-3\)/m);
    expect(out).toMatch(/^✔ Document store: reached /m);
    expect(out).toMatch(/^✔ Document FA-3: /m);
  });

  it('without --number and without Clearnox, says how to try the query', async () => {
    const { file } = await customer({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const r = await cli(['check', '--config', file], env);
    expect(r.stdout).toMatch(/^⚠ Database query: not run: Clearnox gave no document number to try it on\n {4}-> .*--number NUMBER/m);
    expect(r.stdout).toMatch(/^✔ Document store: reached /m);
  });

  it('tells a query the database refuses at its line of the mapping file, as a run does (exit 2)', async () => {
    const { file } = await customer();
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('FROM invoices WHERE', 'FROM invoices WHERE WHERE'));
    const line = text.split('\n').findIndex((l) => l.includes('FROM invoices WHERE')) + 1;
    const r = await cli(['check', '--config', file, '--number', 'FA-1'], env);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/^✖ Database query: The mapping file .*mapping\.yaml has a problem:$/m);
    expect(r.stdout).toMatch(new RegExp(`^mapping\\.yaml:${line} source\\.query: .*near "WHERE": syntax error`, 'm'));
  });

  it('stops at a wrong mapping file with one ✖ and exits 2', async () => {
    const { file } = await customer();
    await writeFile(file, 'version: 1\nclearnox: {}\n');
    const r = await cli(['check', '--config', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout.trim().split('\n')[0]).toMatch(/^✖ Mapping file: /);
    expect(r.stdout).toMatch(/nothing else can be checked without it/);
    expect(r.stdout).not.toMatch(/Clearnox sign-in|Database/);
  });

  it('marks the lines in ASCII where the console cannot show ✔ (LANG=C)', async () => {
    const { file } = await customer();
    const r = await cli(['check', '--config', file], { ...env, LANG: 'C' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\[ok\] Mapping file: /m);
    expect(r.stdout).not.toContain('✔');
  });

  it('tries logs.folder of the mapping file, or --log-dir instead, and the state folder that exists, leaving no file in them', async () => {
    const { dir, file } = await customer();
    await writeFile(file, `${await readFile(file, 'utf8')}logs:\n  folder: journaux\n`);
    await mkdir(path.join(dir, 'clearnox-sync-state'));
    const r = await cli(['check', '--config', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`✔ Logs folder: ${path.join(dir, 'journaux')} does not exist yet`);
    expect(r.stdout).toContain(`✔ State folder: ${path.join(dir, 'clearnox-sync-state')} is writable`);
    expect(await readdir(path.join(dir, 'clearnox-sync-state'))).toEqual([]);
    await writeFile(path.join(dir, 'not-a-folder'), '');
    const other = await cli(['check', '--config', file, '--log-dir', path.join(dir, 'not-a-folder', 'logs')], env);
    expect(other.code, other.stdout + other.stderr).toBe(2);
    expect(other.stdout).toMatch(/^✖ Logs folder: .*not-a-folder[/\\]logs cannot be created: .*not-a-folder is a file\n {4}-> Give in --log-dir a folder/m);
  });

  it('tries each company\'s source on that company\'s own numbers (source.companies)', async () => {
    const two = await startSandbox({ entries: [entry('ent_a', 'FA-1', { companyCode: 'ACME' }), entry('ent_b', 'FB-7', { companyCode: 'BETA' })], processingDelayMs: 5, pollRetryAfterSeconds: null });
    cleanup.push(() => two.close());
    const { dir, file } = await customer({ baseUrl: two.url });
    const beta = await openSqlite(path.join(dir, 'beta.sqlite'), { create: true });
    beta.exec("CREATE TABLE invoices (number TEXT, pdf TEXT); INSERT INTO invoices VALUES ('FB-7', 'FB-7.pdf')");
    beta.close();
    await writeFile(path.join(dir, 'pdfs', 'FB-7.pdf'), fakePdf('FB-7'));
    await writeFile(file, `${await readFile(file, 'utf8')}`.replace('documents:', '  companies:\n    ACME: {}\n    BETA:\n      path: beta.sqlite\ndocuments:'));
    const r = await cli(['check', '--config', file], env);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).toMatch(/^✔ Database query \(company ACME\): ran on 1 number \(FA-1\): 1 row/m);
    expect(out).toMatch(/^✔ Database query \(company BETA\): ran on 1 number \(FB-7\): 1 row/m);
    expect(out).toMatch(/^✔ Document FB-7: FB-7\.pdf: a PDF/m);
    expect(out).not.toContain('⚠');
    // A company Clearnox lists that has no source is not looked up by a run: said, as a warning.
    await writeFile(file, (await readFile(file, 'utf8')).replace('    ACME: {}\n', ''));
    const without = await cli(['check', '--config', file], env);
    expect(without.code, without.stdout).toBe(0);
    expect(without.stdout).toMatch(/^⚠ Database: Clearnox lists entries of ACME, which source.companies has no source for/m);
  });

  it('a client secret Clearnox refuses: ✖ sign-in, exit 5, the database and the store still checked', async () => {
    const { file } = await customer();
    const r = await cli(['check', '--config', file, '--number', 'FA-1'], { ...env, [SANDBOX_SECRET_ENV]: 'not-the-secret-71' });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(5);
    expect(out).toMatch(/^✖ Clearnox sign-in: .*rejected the client id or client secret/m);
    expect(out).not.toMatch(/Clearnox entries/);
    expect(out).toMatch(/^✔ Database query: ran on 1 number \(FA-1\)/m);
    expect(out).toMatch(/^✔ Document FA-1: /m);
    expect(out).not.toContain('not-the-secret-71');
  });

  it('tells its options and exit codes in --help', async () => {
    const r = await cli(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--number/);
    expect(r.stdout).toMatch(/Exit codes: 0 every check passed \(warnings allowed\)/);
  });

  it('refuses a --report folder this account cannot write to (exit 2)', async () => {
    const { dir, file } = await customer();
    await writeFile(path.join(dir, 'reports'), 'a file, not a folder');
    const r = await cli(['check', '--config', file, '--report', path.join(dir, 'reports', 'run-{timestamp}.json')], env);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/^✖ Report folder: .*reports is a file, not a folder\n {4}-> Give in --report a folder/m);
  });
});
