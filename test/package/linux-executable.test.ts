// The Linux executable, copied away from this repository, runs every adapter it holds: the
// drivers and libraries are inside it (no node_modules, no native add-on), SQLite through
// node:sqlite. Each database and store is reached for real; SQL Server, which cannot run here,
// is reached at a closed port (its driver loads and explains the refusal).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTABLE_NODE } from '../../scripts/node-binary.js';
import { version } from '../../src/install.js';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { connectionYaml, mariadbErp, postgresErp, type ErpFixture } from '../adapters/database/server-fixture.js';
import { samba, shareFolder } from '../adapters/documents/smb-fixture.js';
import { serverFolder, sshd } from '../adapters/documents/sftp-fixture.js';
import { entry } from '../helpers/entries.js';
import { installedCopy, releases, runExecutable } from '../helpers/executable.js';
import { fakePdf } from '../helpers/pdf.js';
import { clearnoxYaml, SANDBOX_CLIENT_SECRET, SANDBOX_SECRET_ENV } from '../helpers/sandbox-run.js';
import { freePort } from '../services/local-server.js';

const VERSION = version();

let installed: Awaited<ReturnType<typeof installedCopy>>;
let work: string;
beforeAll(async () => {
  installed = await installedCopy(releases().linux);
  work = await mkdtemp(path.join(os.tmpdir(), 'cnx-exe-work-'));
});
afterAll(async () => {
  await installed?.remove();
  await rm(work, { recursive: true, force: true });
});

const exe = (args: string[], env: Record<string, string> = {}, cwd = work) => runExecutable(installed.executable, args, { cwd, env });

describe('the Linux executable', () => {
  it('tells its version, the Node.js inside and that it is the single executable', async () => {
    const r = await exe(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`clearnox-sync ${VERSION} (Node.js v${EXECUTABLE_NODE}, linux-x64, single executable)`);
    expect(r.stderr).toBe('');
  });

  it('prints its help and the exit codes, with no warning of Node', async () => {
    const r = await exe(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/clearnox-sync <command>/);
    expect(r.stdout).toMatch(/Exit codes/i);
    expect(r.stderr).toBe('');
  });

  it('runs the demo end to end: every attachable entry attached once, nothing the second time', async () => {
    const dir = path.join(work, 'demo');
    const r = await exe(['demo', '--dir', dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Demo OK/);
    expect(r.stderr).not.toMatch(/ExperimentalWarning|SQLite is an experimental/);
    const run1 = JSON.parse(await readFile(path.join(dir, 'report-run1.json'), 'utf8'));
    const run2 = JSON.parse(await readFile(path.join(dir, 'report-run2.json'), 'utf8'));
    expect(run1.counts).toMatchObject({ missingEntries: 120, entriesAttached: 112, fileMissing: 1, invalidDocument: 1 });
    expect(run2.counts).toMatchObject({ missingEntries: 8, entriesAttached: 0, uploadedArchives: 0 });
    // The demo's mapping file points its editor at the schema shipped beside the executable.
    const mapping = await readFile(path.join(dir, 'mapping.yaml'), 'utf8');
    expect(mapping).toContain('mapping.schema.json');
  });
});

describe('every adapter inside the Linux executable', () => {
  let sandbox: SandboxHandle;
  const ENTRIES = [entry('e1', 'FA-1'), entry('e2', 'FA-2'), entry('e3', 'FA-3')];

  async function runMapping(name: string, rest: string, env: Record<string, string> = {}) {
    const dir = path.join(work, name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'mapping.yaml'), `version: 1\n${clearnoxYaml(sandbox.url)}${rest}`);
    const r = await exe(['run', '--config', 'mapping.yaml', '--report', 'report.json'], { [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET, ...env }, dir);
    const report = await readFile(path.join(dir, 'report.json'), 'utf8').then((t) => JSON.parse(t), () => null);
    return { ...r, report };
  }

  /** A PDF of each name (its number is the file's base name), readable by the servers' accounts. */
  async function putPdfs(root: string, files: string[]): Promise<void> {
    for (const rel of files) {
      await mkdir(path.join(root, path.dirname(rel)), { recursive: true, mode: 0o755 });
      await writeFile(path.join(root, rel), fakePdf(path.basename(rel, '.pdf')), { mode: 0o644 });
    }
  }

  const outcomes = (report: { entries: { entryId: string; outcome: string }[] }) => Object.fromEntries(report.entries.map((e) => [e.entryId, e.outcome]));

  beforeAll(async () => {
    sandbox = await startSandbox({ entries: [], processingDelayMs: 5 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  async function withEntries<T>(fn: () => Promise<T>): Promise<T> {
    await sandbox.close();
    sandbox = await startSandbox({ entries: ENTRIES, processingDelayMs: 5 });
    return fn();
  }

  it('PostgreSQL and an SFTP server', async () => {
    const erp: ErpFixture = await postgresErp([{ number: 'FA-1', pdf: 'a/FA-1.pdf' }, { number: 'FA-2', pdf: 'FA-2.pdf' }]);
    try {
      const store = await serverFolder('exe-sftp');
      await putPdfs(store, ['a/FA-1.pdf', 'FA-2.pdf']);
      const s = sshd();
      const r = await withEntries(() =>
        runMapping(
          'pg-sftp',
          `source:\n${connectionYaml(erp, 'CNX_DB_PASSWORD')}  query: SELECT number AS "documentNumber", pdf AS path FROM invoices WHERE number IN (:documentNumbers)\n  pathColumn: path\n` +
            `documents:\n  type: sftp\n  host: ${s.host}\n  port: ${s.port}\n  username: ${s.username}\n  password: \${env:CNX_SFTP_PASSWORD}\n  hostKeyFingerprint: ${s.hostFingerprint}\n  root: ${store}\n`,
          { CNX_DB_PASSWORD: erp.reader.password, CNX_SFTP_PASSWORD: s.password },
        ),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(outcomes(r.report)).toEqual({ e1: 'attached', e2: 'attached', e3: 'not_found' });
      expect(sandbox.state().entries.filter((e) => e.attached).map((e) => e.id).sort()).toEqual(['e1', 'e2']);
    } finally {
      await erp.close();
    }
  });

  it('MariaDB and a Samba share', async () => {
    const erp = await mariadbErp([{ number: 'FA-1', pdf: '2024\\FA-1.pdf' }, { number: 'FA-3', pdf: 'FA-3.pdf' }]);
    try {
      const { dir, options } = await shareFolder('exe-smb');
      await putPdfs(dir, ['2024/FA-1.pdf', 'FA-3.pdf']);
      const s = samba();
      const r = await withEntries(() =>
        runMapping(
          'mariadb-smb',
          `source:\n${connectionYaml(erp, 'CNX_DB_PASSWORD')}  query: SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)\n  pathColumn: path\n` +
            `documents:\n  type: smb\n  root: '${options.root}'\n  port: ${s.port}\n  username: ${s.username}\n  password: \${env:CNX_SMB_PASSWORD}\n  domain: ${s.domain}\n`,
          { CNX_DB_PASSWORD: erp.reader.password, CNX_SMB_PASSWORD: s.password },
        ),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(outcomes(r.report)).toEqual({ e1: 'attached', e2: 'not_found', e3: 'attached' });
    } finally {
      await erp.close();
    }
  });

  it('SQLite (node:sqlite) with the PDFs in a BLOB column, read by the database store', async () => {
    const dir = path.join(work, 'sqlite-blob');
    await mkdir(dir, { recursive: true });
    const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
    db.exec('CREATE TABLE invoices (number TEXT, id INTEGER)');
    db.exec('CREATE TABLE files (id INTEGER PRIMARY KEY, content BLOB)');
    db.prepare('INSERT INTO invoices VALUES (?, ?)').run('FA-2', 7);
    db.prepare('INSERT INTO files VALUES (?, ?)').run(7, fakePdf('FA-2', 200_000));
    db.close();
    const r = await withEntries(() =>
      runMapping(
        'sqlite-blob',
        `source:\n  type: sqlite\n  path: erp.sqlite\n  query: SELECT number AS documentNumber, id AS path FROM invoices WHERE number IN (:documentNumbers)\n  pathColumn: path\n` +
          `documents:\n  type: database\n  query: SELECT content FROM files WHERE id = CAST(:path AS INTEGER)\n`,
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(outcomes(r.report)).toEqual({ e1: 'not_found', e2: 'attached', e3: 'not_found' });
    expect(r.stderr).not.toMatch(/ExperimentalWarning/);
  });

  it('SQL Server: tedious is inside and a closed port is told as unreachable (exit 3)', async () => {
    const port = await freePort();
    const r = await withEntries(() =>
      runMapping(
        'mssql',
        `source:\n  type: mssql\n  host: 127.0.0.1\n  port: ${port}\n  database: erp\n  user: reader\n  password: \${env:CNX_DB_PASSWORD}\n  connectTimeoutSeconds: 5\n  query: SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)\n  pathColumn: path\n` +
          `documents:\n  type: local\n  root: .\n`,
        { CNX_DB_PASSWORD: 'not-a-real-password-7781' },
      ),
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/SQL Server/);
    expect(r.stderr).not.toContain('not-a-real-password-7781');
  });
});
