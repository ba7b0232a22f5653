// A stop request always ends the run: even while a document is read from a server that stopped
// answering mid-file (and whose own timeouts are far away), SIGTERM ends the compiled program.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { serverFolder, sshd } from '../adapters/documents/sftp-fixture.js';
import { startProxy } from '../adapters/documents/tcp-proxy.js';
import { startCli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { fakePdf } from '../helpers/pdf.js';
import { clearnoxYaml, SANDBOX_CLIENT_SECRET, SANDBOX_SECRET_ENV, SQLITE_INVOICES_SOURCE } from '../helpers/sandbox-run.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe('a stop request during a read that hangs', () => {
  it('ends the run after --stop-timeout with exit code 3, saying why', async () => {
    const s = sshd();
    const root = await serverFolder('stop-hang');
    await writeFile(path.join(root, 'FA-1.pdf'), fakePdf('FA-1', 8 * 1024 * 1024));
    const proxy = await startProxy(s.port);
    cleanup.push(() => proxy.close());
    // Mid-file, the server goes silent without closing anything.
    const frozen = new Promise<void>((resolve) =>
      proxy.whenDownstream(1024 * 1024, () => {
        proxy.freeze();
        resolve();
      }),
    );
    const sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 5, pollRetryAfterSeconds: null });
    cleanup.push(() => sandbox.close());

    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-stop-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
    db.exec("CREATE TABLE invoices (number TEXT, pdf TEXT); INSERT INTO invoices VALUES ('FA-1', 'FA-1.pdf')");
    db.close();
    const file = path.join(dir, 'mapping.yaml');
    await writeFile(
      file,
      `version: 1
${clearnoxYaml(sandbox.url)}${SQLITE_INVOICES_SOURCE}documents:
  type: sftp
  host: 127.0.0.1
  port: ${proxy.port}
  username: ${s.username}
  password: \${env:CNX_SFTP_PASSWORD}
  hostKeyFingerprint: "${s.hostFingerprint}"
  root: ${root}
  connections: 1
  operationTimeoutSeconds: 3600
  keepaliveSeconds: 3600
`,
    );
    const run = startCli(['run', '--config', file, '--stop-timeout', '1', '--report', path.join(dir, 'report.json')], {
      [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET,
      CNX_SFTP_PASSWORD: s.password,
    });
    cleanup.push(async () => {
      run.child.kill('SIGKILL');
      await run.exited;
    });
    await Promise.race([frozen, run.exited.then((code) => Promise.reject(new Error(`exited ${code} before the read: ${run.output()}`)))]);
    run.child.kill('SIGTERM');
    expect(await run.exited, run.output()).toBe(3);
    expect(run.output()).toMatch(/SIGTERM received: stopping after the current step/);
    expect(run.output()).toMatch(/The current step did not end within 1 s of SIGTERM \(--stop-timeout\)/);
    expect(sandbox.state().imports).toHaveLength(0);
  });
});
