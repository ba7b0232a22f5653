// A run that stops before logging in to an SFTP server whose key is not pinned: its summary is
// what the administrator has to do, not a page of entries the run never reached.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { summaryText } from '../../src/pipeline/report.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { sshd } from '../adapters/documents/sftp-fixture.js';
import { entry } from '../helpers/entries.js';
import { runMappingOnce, SQLITE_INVOICES_SOURCE } from '../helpers/sandbox-run.js';

const COUNT = 300;
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a run stopped by an SFTP host key that is not pinned', () => {
  it('shows the fingerprint and the line to add first, and counts the entries it did not reach in one line', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-unpinned-'));
    const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
    db.exec('CREATE TABLE invoices (number TEXT, pdf TEXT)');
    const insert = db.prepare('INSERT INTO invoices VALUES (?, ?)');
    for (let i = 0; i < COUNT; i++) insert.run(`FA-${i}`, `FA-${i}.pdf`);
    db.close();
    const sandbox = await startSandbox({ entries: Array.from({ length: COUNT }, (_, i) => entry(`e${i}`, `FA-${i}`)), processingDelayMs: 5 });
    const s = sshd();
    try {
      const { report } = await runMappingOnce(
        dir,
        sandbox,
        `${SQLITE_INVOICES_SOURCE}documents:
  type: sftp
  host: ${s.host}
  port: ${s.port}
  username: ${s.username}
  password: \${env:CNX_UNPINNED_SFTP_PASSWORD}
  root: ${s.storeDir}
`,
        { CNX_UNPINNED_SFTP_PASSWORD: s.password },
      );
      expect(report.status).toBe('aborted');
      expect(sandbox.state().requests.imports).toBe(0);
      expect(report.counts).toMatchObject({ missingEntries: COUNT, notHandled: COUNT, matched: 0, errors: 0 });
      expect(report.entries.every((e) => e.reasonCode === 'not_handled')).toBe(true);

      const summary = summaryText(report).split('\n');
      expect(summary[0]).toBe('Run ABORTED while opening the document store:');
      expect(summary[1]).toContain('documents.hostKeyFingerprint is not set');
      expect(summary[1]).toContain(`add under documents:  hostKeyFingerprint: "${s.hostFingerprint}"`);
      expect(summary).toContain(`  not handled         ${COUNT}  (the run stopped before them: not looked up, not sent; the next run takes them up)`);
      expect(summary.join('\n')).not.toMatch(/First problems|the run stopped before this entry/);
    } finally {
      await sandbox.close();
    }
  });
});
