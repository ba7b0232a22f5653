// `check` against the real servers of the test set-up: a refused database password, an account
// that can write, an SFTP server whose host key is not pinned yet.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { connectionYaml, mariadbErp, postgresErp, type ErpFixture } from '../adapters/database/server-fixture.js';
import { serverFolder, sshd } from '../adapters/documents/sftp-fixture.js';
import { cli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { fakePdf } from '../helpers/pdf.js';
import { clearnoxYaml, SANDBOX_CLIENT_SECRET, SANDBOX_SECRET_ENV } from '../helpers/sandbox-run.js';

let sandbox: SandboxHandle;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 5, pollRetryAfterSeconds: null });
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  await sandbox.close();
});

async function mappingFile(source: string, documents: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-check-srv-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'mapping.yaml');
  await writeFile(file, `version: 1\n${clearnoxYaml(sandbox.url)}${source}${documents}`);
  return file;
}

const env = (more: Record<string, string>) => ({ [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET, LANG: 'en_US.UTF-8', LC_ALL: '', ...more });

async function localDocuments(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cnx-check-pdfs-'));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  await writeFile(path.join(root, 'FA-1.pdf'), fakePdf('FA-1'));
  return `documents:\n  type: local\n  root: ${root}\n`;
}

describe.each([
  ['PostgreSQL', postgresErp],
  ['MariaDB', mariadbErp],
])('%s', (_name, make) => {
  let erp: ErpFixture;
  beforeAll(async () => {
    erp = await make([{ number: 'FA-1', pdf: 'FA-1.pdf' }]);
  });
  afterAll(() => erp.close());

  const source = () => {
    const column = erp.engine === 'mariadb' ? 'documentNumber' : '"documentNumber"';
    return `source:\n${connectionYaml(erp, 'CNX_DB_PASSWORD')}  query: SELECT number AS ${column}, pdf AS path FROM invoices WHERE number IN (:documentNumbers)\n  pathColumn: path\n`;
  };

  it('a reader: connects, shows the version, can only read, finds FA-1 and its PDF (exit 0)', async () => {
    const r = await cli(['check', '--config', await mappingFile(source(), await localDocuments())], env({ CNX_DB_PASSWORD: erp.reader.password }));
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).toMatch(erp.engine === 'mariadb' ? /^✔ Database: connected \(source\.type: mysql\); \d+\.\d+\.\d+-MariaDB/m : /^✔ Database: connected \(source\.type: postgres\); PostgreSQL \d+/m);
    expect(out).toMatch(/^✔ Database account: can only read$/m);
    expect(out).toMatch(/^✔ Database query: ran on 1 number \(FA-1\): 1 row, 1 with one path/m);
    expect(out).toMatch(/^✔ Document FA-1: FA-1\.pdf: a PDF/m);
    expect(out).not.toContain(erp.reader.password);
  });

  it('a wrong password: ✖ naming the user, exit 5, and the store is still checked', async () => {
    const r = await cli(['check', '--config', await mappingFile(source(), await localDocuments())], env({ CNX_DB_PASSWORD: 'Wrong-Password-4711' }));
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(5);
    expect(out).toMatch(new RegExp(`^✖ Database: .*login failed for user "${erp.reader.user}"`, 'm'));
    expect(out).toMatch(/^✔ Document store: reached /m);
    expect(out).not.toContain('Wrong-Password-4711');
  });

  it('an account that can write: ⚠ naming what it may change, exit 0', async () => {
    const writer = erp.engine === 'mariadb' ? `GRANT INSERT, UPDATE ON ${erp.database}.invoices TO '${erp.reader.user}'@'%'` : `GRANT INSERT, UPDATE ON invoices TO ${erp.reader.user}`;
    const back = erp.engine === 'mariadb' ? `REVOKE INSERT, UPDATE ON ${erp.database}.invoices FROM '${erp.reader.user}'@'%'` : `REVOKE INSERT, UPDATE ON invoices FROM ${erp.reader.user}`;
    await erp.admin.raw(writer);
    try {
      const r = await cli(['check', '--config', await mappingFile(source(), await localDocuments())], env({ CNX_DB_PASSWORD: erp.reader.password }));
      const out = r.stdout + r.stderr;
      expect(r.code, out).toBe(0);
      expect(out).toMatch(erp.engine === 'mariadb' ? /^⚠ Database account: it can change the database: .*INSERT, UPDATE on `erp_\w+`\.`invoices`/m : /^⚠ Database account: it can change the database: .*INSERT, UPDATE on public\.invoices/m);
      expect(out).toMatch(/-> Give clearnox-sync a user that can only read \(docs\/databases\.md, "Read-only users"\)/);
    } finally {
      await erp.admin.raw(back);
    }
  });
});

describe('SFTP', () => {
  it('not pinned: ✖ with the fingerprint and the exact line to add, exit 5; the database is still checked', async () => {
    const s = sshd();
    const root = await serverFolder('check-unpinned');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-check-sftp-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const source = 'source:\n  type: none\n  pathTemplate: "{{documentNumber}}.pdf"\n';
    const documents = `documents:\n  type: sftp\n  host: ${s.host}\n  port: ${s.port}\n  username: ${s.username}\n  password: \${env:CNX_SFTP_PASSWORD}\n  root: ${root}\n`;
    const r = await cli(['check', '--config', await mappingFile(source, documents)], env({ CNX_SFTP_PASSWORD: s.password }));
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(5);
    expect(out).toMatch(/^✔ Database query: ran on 1 number \(FA-1\)/m);
    expect(out).toMatch(new RegExp(`^✖ Document store: documents\\.hostKeyFingerprint is not set.*${s.hostFingerprint.replace(/[+/]/g, '\\$&')}`, 'm'));
    expect(out).toContain(`\n    documents:\n      hostKeyFingerprint: "${s.hostFingerprint}"\n    -> Once the fingerprint is confirmed`);
    expect(out).not.toMatch(/If it matches, add under documents/);
    expect(out).not.toContain(s.password);
  });

  it('a changed host key: ✖ with the new fingerprint and the line to put in place of the pinned one, exit 5', async () => {
    const s = sshd();
    const root = await serverFolder('check-changed');
    const source = 'source:\n  type: none\n  pathTemplate: "{{documentNumber}}.pdf"\n';
    const documents = `documents:\n  type: sftp\n  host: ${s.host}\n  port: ${s.port}\n  username: ${s.username}\n  password: \${env:CNX_SFTP_PASSWORD}\n  hostKeyFingerprint: "${s.otherFingerprint}"\n  root: ${root}\n`;
    const r = await cli(['check', '--config', await mappingFile(source, documents)], env({ CNX_SFTP_PASSWORD: s.password }));
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(5);
    expect(out).toMatch(/^✖ Document store: the SFTP server .* which is not the one in documents\.hostKeyFingerprint .*nothing was sent to it\./m);
    expect(out).toContain(`\n    documents:\n      hostKeyFingerprint: "${s.hostFingerprint}"\n    -> Once the fingerprint is confirmed with the server's administrator, put that line in place of documents.hostKeyFingerprint`);
    expect(out).not.toMatch(/If the new key is genuine/);
  });

  it('pinned: ✔ for the store and the document read over SFTP', async () => {
    const s = sshd();
    const root = await serverFolder('check-pinned');
    await writeFile(path.join(root, 'FA-1.pdf'), fakePdf('FA-1'));
    const source = 'source:\n  type: none\n  pathTemplate: "{{documentNumber}}.pdf"\n';
    const documents = `documents:\n  type: sftp\n  host: ${s.host}\n  port: ${s.port}\n  username: ${s.username}\n  password: \${env:CNX_SFTP_PASSWORD}\n  hostKeyFingerprint: "${s.hostFingerprint}"\n  root: ${root}\n`;
    const r = await cli(['check', '--config', await mappingFile(source, documents)], env({ CNX_SFTP_PASSWORD: s.password }));
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).toMatch(/^✔ Document store: reached sftp:\/\/.*; its host key is the one pinned in documents\.hostKeyFingerprint$/m);
    expect(out).toMatch(/^✔ Document FA-1: FA-1\.pdf: a PDF of \d+ bytes, read to its end$/m);
  });
});
