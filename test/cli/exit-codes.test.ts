// Each exit code an administrator reads in Task Scheduler's "Last Run Result", produced by the
// compiled program against real servers: 5 when a server refused the credentials or could not
// prove its identity, 3 when it was only out of reach or another run held the mapping file.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { connectionYaml, mariadbErp, postgresErp, type ErpFixture } from '../adapters/database/server-fixture.js';
import { samba } from '../adapters/documents/smb-fixture.js';
import { serverFolder, sshd } from '../adapters/documents/sftp-fixture.js';
import { cli, startCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/closed-port.js';
import { entry } from '../helpers/entries.js';
import { fakePdf } from '../helpers/pdf.js';
import { clearnoxYaml, SANDBOX_CLIENT_SECRET, SANDBOX_SECRET_ENV, SQLITE_INVOICES_SOURCE } from '../helpers/sandbox-run.js';

let sandbox: SandboxHandle;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 5, pollRetryAfterSeconds: null });
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  await sandbox.close();
});

const LOCAL_DOCUMENTS = `documents:
  type: local
  root: pdfs
`;

/** A mapping file in a fresh folder: a SQLite ERP knowing FA-1, its PDF in pdfs/, the sections given. */
async function mappingFile(sections: { source?: string; documents?: string; clearnox?: string; baseUrl?: string } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-exit-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
  db.exec("CREATE TABLE invoices (number TEXT, pdf TEXT); INSERT INTO invoices VALUES ('FA-1', 'FA-1.pdf')");
  db.close();
  await mkdir(path.join(dir, 'pdfs'));
  await writeFile(path.join(dir, 'pdfs', 'FA-1.pdf'), fakePdf('FA-1'));
  const file = path.join(dir, 'mapping.yaml');
  await writeFile(
    file,
    `version: 1\n${clearnoxYaml(sections.baseUrl ?? sandbox.url, { extra: sections.clearnox ?? '' })}${sections.source ?? SQLITE_INVOICES_SOURCE}${sections.documents ?? LOCAL_DOCUMENTS}`,
  );
  return file;
}

const env = (more: Record<string, string> = {}) => ({ [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET, ...more });

describe('exit code 5: credentials refused', () => {
  it('Clearnox refuses the client secret', async () => {
    const r = await cli(['run', '--config', await mappingFile()], { [SANDBOX_SECRET_ENV]: 'not-the-secret-71' });
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout + r.stderr).toMatch(/rejected the client id or client secret/);
    expect(r.stdout + r.stderr).not.toContain('not-the-secret-71');
  });

  describe.each([
    ['PostgreSQL', postgresErp],
    ['MariaDB', mariadbErp],
  ])('%s refuses the database user', (_name, make) => {
    let erp: ErpFixture;
    beforeAll(async () => {
      erp = await make([{ number: 'FA-1', pdf: 'FA-1.pdf' }]);
    });
    afterAll(() => erp.close());

    it('exits 5, naming the user and the keys, never the password', async () => {
      const source = `source:\n${connectionYaml(erp, 'CNX_DB_PASSWORD')}  query: SELECT number AS "documentNumber", pdf AS path FROM invoices WHERE number IN (:documentNumbers)\n  pathColumn: path\n`;
      const r = await cli(['run', '--config', await mappingFile({ source: erp.engine === 'mariadb' ? source.replace('"documentNumber"', 'documentNumber') : source })], env({ CNX_DB_PASSWORD: 'Wrong-Password-4711' }));
      expect(r.code, r.stdout + r.stderr).toBe(5);
      expect(r.stdout + r.stderr).toContain(`login failed for user "${erp.reader.user}"`);
      expect(r.stdout + r.stderr).not.toContain('Wrong-Password-4711');
      expect(r.stdout + r.stderr).not.toContain(erp.reader.password);
    });
  });

  it('the SFTP server refuses the login', async () => {
    const s = sshd();
    const root = await serverFolder('exit-sftp');
    const documents = `documents:\n  type: sftp\n  host: ${s.host}\n  port: ${s.port}\n  username: ${s.username}\n  password: \${env:CNX_SFTP_PASSWORD}\n  hostKeyFingerprint: "${s.hostFingerprint}"\n  root: ${root}\n`;
    const r = await cli(['run', '--config', await mappingFile({ documents })], env({ CNX_SFTP_PASSWORD: 'not-the-password-42' }));
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout + r.stderr).toMatch(/refused the login of "cnxtest"/);
    expect(r.stdout + r.stderr).not.toContain('not-the-password-42');
  });

  it('the file server refuses the SMB logon', async () => {
    const s = samba();
    const documents = `documents:\n  type: smb\n  root: '\\\\${s.host}\\${s.share}'\n  port: ${s.port}\n  username: ${s.username}\n  password: \${env:CNX_SMB_PASSWORD}\n  domain: ${s.domain}\n`;
    const r = await cli(['run', '--config', await mappingFile({ documents })], env({ CNX_SMB_PASSWORD: 'Wrong-Password-77' }));
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout + r.stderr).toMatch(/NT_STATUS_LOGON_FAILURE/);
    expect(r.stdout + r.stderr).not.toContain('Wrong-Password-77');
  });
});

describe("exit code 5: a server's identity not verified", () => {
  it('the SFTP host key is not pinned: the fingerprint to check is shown, no password is sent', async () => {
    const s = sshd();
    const root = await serverFolder('exit-unpinned');
    const documents = `documents:\n  type: sftp\n  host: ${s.host}\n  port: ${s.port}\n  username: ${s.username}\n  password: \${env:CNX_SFTP_PASSWORD}\n  root: ${root}\n`;
    const r = await cli(['run', '--config', await mappingFile({ documents })], env({ CNX_SFTP_PASSWORD: s.password }));
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout + r.stderr).toContain(`hostKeyFingerprint: "${s.hostFingerprint}"`);
  });

  it('the SFTP host key changed', async () => {
    const s = sshd();
    const root = await serverFolder('exit-changed');
    const documents = `documents:\n  type: sftp\n  host: ${s.host}\n  port: ${s.port}\n  username: ${s.username}\n  password: \${env:CNX_SFTP_PASSWORD}\n  hostKeyFingerprint: "${s.otherFingerprint}"\n  root: ${root}\n`;
    const r = await cli(['run', '--config', await mappingFile({ documents })], env({ CNX_SFTP_PASSWORD: s.password }));
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout + r.stderr).toMatch(/not the one in documents\.hostKeyFingerprint/);
  });
});

describe('exit code 3: stopped, nothing to change', () => {
  it('the database server cannot be reached', async () => {
    const port = await closedPort();
    const source = `source:\n  type: postgres\n  host: 127.0.0.1\n  port: ${port}\n  database: erp\n  user: reader\n  password: \${env:CNX_DB_PASSWORD}\n  query: SELECT number AS "documentNumber", pdf AS path FROM invoices WHERE number IN (:documentNumbers)\n  pathColumn: path\n`;
    const r = await cli(['run', '--config', await mappingFile({ source })], env({ CNX_DB_PASSWORD: 'pw' }));
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/connection was refused/);
  });

  it('the SFTP server cannot be reached', async () => {
    const s = sshd();
    const port = await closedPort();
    const documents = `documents:\n  type: sftp\n  host: ${s.host}\n  port: ${port}\n  username: ${s.username}\n  password: \${env:CNX_SFTP_PASSWORD}\n  hostKeyFingerprint: "${s.hostFingerprint}"\n  root: /\n`;
    const r = await cli(['run', '--config', await mappingFile({ documents })], env({ CNX_SFTP_PASSWORD: s.password }));
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/refused the connection/);
  });

  it('the SMB file server cannot be reached', async () => {
    const s = samba();
    const port = await closedPort();
    const documents = `documents:\n  type: smb\n  root: '\\\\${s.host}\\${s.share}'\n  port: ${port}\n  username: ${s.username}\n  password: \${env:CNX_SMB_PASSWORD}\n  domain: ${s.domain}\n  retries: 0\n`;
    const r = await cli(['run', '--config', await mappingFile({ documents })], env({ CNX_SMB_PASSWORD: s.password }));
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/cannot reach the file server/);
  });

  it('Clearnox cannot be reached', async () => {
    const port = await closedPort();
    const r = await cli(['run', '--config', await mappingFile({ baseUrl: `http://127.0.0.1:${port}`, clearnox: '  retries: 0\n' })], env());
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toContain(`127.0.0.1:${port}`);
  });

  it('another run of the same mapping file is in progress', async () => {
    const slow = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 60_000, pollRetryAfterSeconds: null });
    const file = await mappingFile({ baseUrl: slow.url });
    const first = startCli(['run', '--config', file], env());
    try {
      await first.waitFor(/Sending archive 1/);
      const second = await cli(['run', '--config', file], env());
      expect(second.code, second.stdout + second.stderr).toBe(3);
      expect(second.stdout + second.stderr).toMatch(/another run with this mapping file is in progress/);
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
      await slow.close();
    }
  });
});

