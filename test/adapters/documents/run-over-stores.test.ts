// A whole run (SQLite, a real SFTP server or Samba share, the sandbox) for each remote store:
// the documents arrive intact and each failure is reported against its own entry.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../../adapters/database/sqlite-driver.js';
import { startSandbox } from '../../../src/sandbox/server.js';
import { entry } from '../../helpers/entries.js';
import { runMappingOnce, SQLITE_INVOICES_SOURCE } from '../../helpers/sandbox-run.js';
import { fakePdf } from '../../helpers/pdf.js';
import { samba, shareFolder } from './smb-fixture.js';
import { serverFolder, sshd } from './sftp-fixture.js';
import { startProxy } from './tcp-proxy.js';

const cleanup: string[] = [];
afterAll(async () => {
  for (const d of cleanup) await rm(d, { recursive: true, force: true });
});

const ROWS: [string, string][] = [
  ['FA-1', '2024\\01\\FA-1 été.pdf'],
  ['FA-2', '2024/FA-2.pdf'],
  ['FA-3', 'missing/FA-3.pdf'],
  ['FA-4', '..\\..\\etc\\passwd'],
  ['FA-5', 'FA-5.pdf'],
  ['FA-6', 'locked/FA-6.pdf'],
];

async function writeDocuments(dir: string): Promise<void> {
  const put = async (rel: string, content: Buffer | string, mode = 0o644) => {
    const file = path.join(dir, ...rel.split(/[\\/]/));
    await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, content, { mode });
  };
  await put('2024/01/FA-1 été.pdf', fakePdf('FA-1'));
  await put('2024/FA-2.pdf', fakePdf('FA-2', 300_000));
  await put('FA-5.pdf', '<html>not a pdf</html>');
  await put('locked/FA-6.pdf', fakePdf('FA-6'), 0o000);
  for (const d of ['2024', '2024/01', 'locked']) await chmod(path.join(dir, d), 0o755);
}

async function runWith(documentsYaml: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-run-store-'));
  cleanup.push(dir);
  const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
  db.exec('CREATE TABLE invoices (number TEXT, pdf TEXT)');
  for (const [n, p] of ROWS) db.prepare('INSERT INTO invoices VALUES (?, ?)').run(n, p);
  db.close();
  const sandbox = await startSandbox({ entries: ROWS.map(([n], i) => entry(`e${i + 1}`, n)), processingDelayMs: 5 });
  try {
    const { report, loaded } = await runMappingOnce(
      dir,
      sandbox,
      `${SQLITE_INVOICES_SOURCE}documents:
${documentsYaml}`,
    );
    const state = sandbox.state();
    return { report, state, loaded };
  } finally {
    await sandbox.close();
  }
}

function expectReported(report: Awaited<ReturnType<typeof runWith>>['report']) {
  const byId = Object.fromEntries(report.entries.map((e) => [e.entryId, `${e.outcome}/${e.reasonCode}`]));
  expect(byId).toEqual({
    e1: 'attached/attached',
    e2: 'attached/attached',
    e3: 'file_missing/file_not_found',
    e4: 'invalid_document/outside_root',
    e5: 'invalid_document/not_a_pdf',
    e6: 'error/permission_denied',
  });
}

describe('a run reading its documents', () => {
  it('from an SFTP server, closing its connections at the end', async () => {
    const dir = await serverFolder('run');
    await writeDocuments(dir);
    const proxy = await startProxy(sshd().port);
    try {
      const s = sshd();
      process.env.CNX_RUN_SFTP_PASSWORD = s.password;
      const { report, state, loaded } = await runWith(`  type: sftp
  host: ${s.host}
  port: ${proxy.port}
  username: ${s.username}
  password: \${env:CNX_RUN_SFTP_PASSWORD}
  hostKeyFingerprint: "${s.hostFingerprint}"
  root: ${dir}
`);
      expectReported(report);
      expect(state.entries.find((e) => e.id === 'e2')!.attached!.size).toBe(300_000);
      expect(loaded.secrets).toContain(s.password);
      await expect.poll(() => proxy.open, { timeout: 5000 }).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('from a Samba share', async () => {
    const { dir } = await shareFolder('run');
    await writeDocuments(dir);
    const s = samba();
    process.env.CNX_RUN_SMB_PASSWORD = s.password;
    const { report, state } = await runWith(`  type: smb
  root: \\\\${s.host}\\${s.share}\\${path.basename(dir)}
  port: ${s.port}
  username: ${s.username}
  password: \${env:CNX_RUN_SMB_PASSWORD}
  domain: ${s.domain}
`);
    expectReported(report);
    expect(state.entries.find((e) => e.id === 'e1')!.attached!.size).toBe(fakePdf('FA-1').length);
  });
});
