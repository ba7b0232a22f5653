// Alerts from the compiled program, as Task Scheduler runs it: a run with a missing file sends one
// e-mail and one webhook call, the next run (nothing new) sends none, and an alert that cannot be
// sent leaves the run's exit code as it is, and its problems new for the next run.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { cli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { fakePdf } from '../helpers/pdf.js';
import { clearnoxYaml, SANDBOX_CLIENT_SECRET, SANDBOX_SECRET_ENV, SQLITE_INVOICES_SOURCE } from '../helpers/sandbox-run.js';
import { selfSignedCertificate, type TestCertificate } from '../helpers/self-signed.js';
import { readMail, startReceiver, startSmtp, tempDir, type TestReceiver, type TestSmtp } from './fixture.js';

const SMTP_PASSWORD = 'smtp-cli-pass-41';
const HOOK_TOKEN = 'cli-hook-token-93';
const cleanup: (() => Promise<unknown> | void)[] = [];
let cert: TestCertificate;
let smtp: TestSmtp;
let hook: TestReceiver;

beforeAll(async () => {
  cert = selfSignedCertificate();
  cleanup.push(() => cert.remove());
  smtp = await startSmtp({ key: cert.key, cert: cert.cert }, { username: 'sync', password: SMTP_PASSWORD });
  cleanup.push(() => smtp.close());
  hook = await startReceiver();
  cleanup.push(() => hook.close());
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** A customer's folder: an ERP knowing FA-1 and FA-2, only FA-1's PDF there, the sandbox listing both. */
async function customer(alerts: string): Promise<{ dir: string; file: string; sandbox: SandboxHandle }> {
  const sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1'), entry('ent_2', 'FA-2')], processingDelayMs: 5, pollRetryAfterSeconds: null });
  cleanup.push(() => sandbox.close());
  const { dir, remove } = await tempDir();
  cleanup.push(remove);
  const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
  db.exec("CREATE TABLE invoices (number TEXT, pdf TEXT); INSERT INTO invoices VALUES ('FA-1', 'FA-1.pdf'), ('FA-2', 'FA-2.pdf')");
  db.close();
  await mkdir(path.join(dir, 'pdfs'));
  await writeFile(path.join(dir, 'pdfs', 'FA-1.pdf'), fakePdf('FA-1'));
  const file = path.join(dir, 'acme.yaml');
  await writeFile(file, `version: 1\n${clearnoxYaml(sandbox.url)}${SQLITE_INVOICES_SOURCE}documents:\n  type: local\n  root: pdfs\nalerts:\n${alerts}`);
  return { dir, file, sandbox };
}

const email = (more = '') => `  email:
    host: 127.0.0.1
    port: ${smtp.port}
    username: sync
    password: \${env:SMTP_PASSWORD}
    from: sync@acme.test
    to: it@acme.test
${more}`;

const ENV = { [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET, SMTP_PASSWORD };

function runArgs(c: { dir: string; file: string }): string[] {
  return ['run', '--config', c.file, '--report', path.join(c.dir, 'reports', 'run-{timestamp}.json')];
}

describe('clearnox-sync run with alerts', () => {
  it('a missing file: one e-mail and one webhook call; the next run, with nothing new, none', async () => {
    const c = await customer(`${email(`    caFile: ${cert.certFile}\n`)}  webhook:\n    url: \${env:ALERT_HOOK}\n    format: teams\n`);
    const env = { ...ENV, ALERT_HOOK: `${hook.url}/workflows/${HOOK_TOKEN}` };
    const mailsBefore = smtp.mails.length;
    const postsBefore = hook.posts.length;

    const first = await cli(runArgs(c), env);

    expect(first.code, first.stdout + first.stderr).toBe(4);
    expect(smtp.mails.length - mailsBefore).toBe(1);
    expect(hook.posts.length - postsBefore).toBe(1);
    const mail = readMail(smtp.mails.at(-1)!.raw);
    expect(mail.subject).toBe('clearnox-sync acme: 1 new problem');
    expect(mail.text).toContain('FA-2 (ent_2): file_missing');
    expect(mail.text).toMatch(/Report: .*run-\d{8}-\d{6}\.json/);
    expect(hook.posts.at(-1)!.url).toBe(`/workflows/${HOOK_TOKEN}`);
    expect(JSON.parse(hook.posts.at(-1)!.body)).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
    const output = first.stdout + first.stderr;
    expect(output).toMatch(/Alert e-mail sent to it@acme\.test/);
    for (const secret of [SMTP_PASSWORD, HOOK_TOKEN, SANDBOX_CLIENT_SECRET]) {
      expect(output).not.toContain(secret);
      expect(smtp.mails.at(-1)!.raw).not.toContain(secret);
    }

    const second = await cli(runArgs(c), env);

    expect(second.stdout + second.stderr).toMatch(/FA-2/);
    expect(smtp.mails.length - mailsBefore).toBe(1);
    expect(hook.posts.length - postsBefore).toBe(1);
  });

  it('an alert that cannot be sent (the certificate not verifiable without caFile) is a warning; the exit code stays the run\'s, and the problem stays new until told', async () => {
    const c = await customer(email());
    const mailsBefore = smtp.mails.length;
    const authsBefore = smtp.auths.length;

    const r = await cli(runArgs(c), ENV);

    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(smtp.mails.length).toBe(mailsBefore);
    expect(smtp.auths.length).toBe(authsBefore);
    expect(r.stderr).toMatch(/WARN: The alert e-mail was not sent: the SMTP server 127\.0\.0\.1:\d+ did not prove its identity.*alerts\.email\.caFile/);
    expect(r.stdout + r.stderr).not.toContain(SMTP_PASSWORD);

    // Nobody was told: the next night the problem is still news, and its alert is due again.
    const again = await cli(runArgs(c), ENV);
    expect(again.code, again.stdout + again.stderr).toBe(4);
    expect(again.stdout).toMatch(/Problems: 1 new/);
    // Once an alert gets through (the CA given), the problem is known and tells no more.
    await writeFile(c.file, (await readFile(c.file, 'utf8')).replace('    to: it@acme.test\n', `    to: it@acme.test\n    caFile: ${cert.certFile}\n`));
    const told = await cli(runArgs(c), ENV);
    expect(told.code, told.stdout + told.stderr).toBe(4);
    expect(smtp.mails.length).toBe(mailsBefore + 1);
    const after = await cli(runArgs(c), ENV);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(smtp.mails.length).toBe(mailsBefore + 1);
  });
});
