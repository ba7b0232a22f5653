// The e-mail alert against a real SMTP server (smtp-server) on 127.0.0.1, with a certificate made
// by openssl for the test: encryption before the password, the certificate verified, what the
// message says, and never a secret in it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendAlerts, sendFailureAlerts } from '../../src/alerts/index.js';
import { clearSecrets, registerSecret } from '../../src/secrets.js';
import { listenLocally } from '../helpers/local-listener.js';
import { selfSignedCertificate, type TestCertificate } from '../helpers/self-signed.js';
import { alertsMapping, attached, CLIENT_SECRET, memoryLog, problem, readMail, report, startSmtp, tempDir, type TestSmtp } from './fixture.js';

const SMTP_PASSWORD = 'smtp-pass-Zq7!x#';
const ACCOUNT = { username: 'alerts@acme.test', password: SMTP_PASSWORD };
const ENV = { SMTP_PASSWORD };

let cert: TestCertificate;
let dir: { dir: string; remove(): Promise<void> };
const servers: TestSmtp[] = [];

beforeAll(async () => {
  cert = selfSignedCertificate();
  dir = await tempDir();
});

afterAll(async () => {
  cert.remove();
  await dir.remove();
});

afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
  clearSecrets();
});

async function smtp(...args: Parameters<typeof startSmtp>): Promise<TestSmtp> {
  const s = await startSmtp(...args);
  servers.push(s);
  return s;
}

function emailYaml(port: number, more = ''): string {
  return `  email:
    host: 127.0.0.1
    port: ${port}
    username: ${ACCOUNT.username}
    password: \${env:SMTP_PASSWORD}
    from: clearnox-sync <sync@acme.test>
    to: [it@acme.test, erp@acme.test]
${more}`;
}

const threeProblems = () =>
  report([
    attached(1),
    problem(2),
    problem(3, { outcome: 'invalid_document', reasonCode: 'not_a_pdf', reason: 'not a PDF (it starts with "PK")' }),
    problem(4, { outcome: 'rejected:DOCUMENT_UNREADABLE', reasonCode: 'rejected_by_clearnox', reason: 'Clearnox refused the document: unreadable' }),
  ]);

describe('STARTTLS (the default)', () => {
  it('verifies the server against caFile, logs in only once encrypted, and tells the counts and the problems', async () => {
    const server = await smtp({ key: cert.key, cert: cert.cert }, ACCOUNT);
    const loaded = await alertsMapping(dir.dir, emailYaml(server.port, `    caFile: ${cert.certFile}\n`), ENV);
    const { log, warnings, records } = memoryLog();

    expect(await sendAlerts(loaded, threeProblems(), { reportFile: 'C:\\clearnox\\reports\\run-1.json', logFile: 'C:\\clearnox\\logs\\run-1.log', log })).toBe(true);

    expect(warnings()).toEqual([]);
    expect(server.auths).toEqual([{ method: expect.stringMatching(/^(PLAIN|LOGIN)$/), username: ACCOUNT.username, password: SMTP_PASSWORD, secure: true }]);
    expect(server.mails).toHaveLength(1);
    const [mail] = server.mails;
    expect(mail!.secure).toBe(true);
    expect(mail!.from).toBe('sync@acme.test');
    expect(mail!.to).toEqual(['it@acme.test', 'erp@acme.test']);
    const { subject, text, html, headers } = readMail(mail!.raw);
    expect(subject).toBe('clearnox-sync acme: 3 new problems');
    expect(headers).toMatch(/^Auto-Submitted: auto-generated$/m);
    expect(text).toContain('entries without a document: 4');
    expect(text).toContain('attached: 1');
    expect(text).toContain('PDF file missing: 1');
    expect(text).toContain('FA-2 (ent_2): file_missing: no file at "2025/FA-2.pdf"');
    expect(text).toContain('FA-3 (ent_3): invalid_document: not a PDF (it starts with "PK")');
    expect(text).toContain('rejected DOCUMENT_UNREADABLE: 1');
    expect(text).toContain('Report: C:\\clearnox\\reports\\run-1.json');
    expect(text).toContain('Log: C:\\clearnox\\logs\\run-1.log');
    expect(html).toContain('<td>FA-3</td><td>ent_3</td><td>invalid_document</td><td>not a PDF (it starts with &#34;PK&#34;)</td>');
    expect(records.some((r) => r.level === 30 && /Alert e-mail sent to it@acme\.test, erp@acme\.test/.test(r.msg))).toBe(true);
  });

  it.each(['PLAIN', 'LOGIN'])('logs in with AUTH %s, after STARTTLS', async (method) => {
    const server = await smtp({ key: cert.key, cert: cert.cert, authMethods: [method] }, ACCOUNT);
    const loaded = await alertsMapping(dir.dir, emailYaml(server.port, `    caFile: ${cert.certFile}\n`), ENV);
    const { log, warnings } = memoryLog();

    await sendAlerts(loaded, threeProblems(), { log });

    expect(warnings()).toEqual([]);
    expect(server.auths).toEqual([{ method, username: ACCOUNT.username, password: SMTP_PASSWORD, secure: true }]);
    expect(server.mails).toHaveLength(1);
  });

  it('refuses a server whose certificate it cannot verify (no caFile): nothing sent, the password neither, one warning', async () => {
    const server = await smtp({ key: cert.key, cert: cert.cert }, ACCOUNT);
    const loaded = await alertsMapping(dir.dir, emailYaml(server.port), ENV);
    const { log, warnings, text } = memoryLog();

    await expect(sendAlerts(loaded, threeProblems(), { log })).resolves.toBe(false);

    expect(server.mails).toEqual([]);
    expect(server.auths).toEqual([]);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/The alert e-mail was not sent: the SMTP server 127\.0\.0\.1:\d+ did not prove its identity: its certificate could not be verified/);
    expect(warnings()[0]).toContain('alerts.email.caFile');
    expect(warnings()[0]).not.toMatch(/rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED/);
    expect(text()).not.toContain(SMTP_PASSWORD);
  });

  it('never falls back to plain text when the server offers no STARTTLS: no login, no message', async () => {
    const server = await smtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true }, ACCOUNT);
    const loaded = await alertsMapping(dir.dir, emailYaml(server.port), ENV);
    const { log, warnings } = memoryLog();

    await sendAlerts(loaded, threeProblems(), { log });

    expect(server.auths).toEqual([]);
    expect(server.mails).toEqual([]);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/did not start encryption \(STARTTLS\).*Nothing was sent, the password neither/);
  });

  it('tells a refused login by the account, never the password', async () => {
    const server = await smtp({ key: cert.key, cert: cert.cert }, { username: ACCOUNT.username, password: 'another-one-9' });
    const loaded = await alertsMapping(dir.dir, emailYaml(server.port, `    caFile: ${cert.certFile}\n`), ENV);
    const { log, warnings, text } = memoryLog();

    await sendAlerts(loaded, threeProblems(), { log });

    expect(server.auths.map((a) => a.secure)).toEqual([true]);
    expect(server.mails).toEqual([]);
    expect(warnings()[0]).toMatch(/refused the login of alerts\.email\.username/);
    expect(text()).not.toContain(SMTP_PASSWORD);
  });

  it('gives up on a server that never answers after the time allowed, with a warning', async () => {
    const silent = await listenLocally(() => undefined);
    const loaded = await alertsMapping(dir.dir, emailYaml(silent.port, `    caFile: ${cert.certFile}\n`), ENV);
    const { log, warnings } = memoryLog();

    await sendAlerts(loaded, threeProblems(), { log, timeoutMs: 300 });
    await silent.close();

    expect(warnings()).toEqual([expect.stringMatching(/^The alert e-mail was not sent: the SMTP server 127\.0\.0\.1:\d+ did not answer in time/)]);
  });

  it('names a caFile it cannot read', async () => {
    const server = await smtp({ key: cert.key, cert: cert.cert }, ACCOUNT);
    const loaded = await alertsMapping(dir.dir, emailYaml(server.port, '    caFile: no-such-ca.pem\n'), ENV);
    const { log, warnings } = memoryLog();

    await sendAlerts(loaded, threeProblems(), { log });

    expect(server.mails).toEqual([]);
    expect(warnings()[0]).toContain(`alerts.email.caFile: cannot read ${dir.dir}`);
    expect(warnings()[0]).toContain('no such file');
  });
});

describe('TLS from the start and none', () => {
  it('security: tls speaks TLS at once (port 465 style), verified against caFile', async () => {
    const server = await smtp({ secure: true, key: cert.key, cert: cert.cert }, ACCOUNT);
    const loaded = await alertsMapping(dir.dir, emailYaml(server.port, `    security: tls\n    caFile: ${cert.certFile}\n`), ENV);
    const { log, warnings } = memoryLog();

    await sendAlerts(loaded, threeProblems(), { log });

    expect(warnings()).toEqual([]);
    expect(server.auths.map((a) => a.secure)).toEqual([true]);
    expect(server.mails.map((m) => m.secure)).toEqual([true]);
  });

  it('security: none sends in plain text to a relay on this machine, without a login', async () => {
    const server = await smtp({ disabledCommands: ['STARTTLS'] });
    const loaded = await alertsMapping(dir.dir, `  email:\n    host: 127.0.0.1\n    port: ${server.port}\n    security: none\n    from: sync@acme.test\n    to: it@acme.test\n`);
    const { log, warnings } = memoryLog();

    await sendAlerts(loaded, threeProblems(), { log });

    expect(warnings()).toEqual([]);
    expect(server.mails.map((m) => [m.secure, m.to])).toEqual([[false, ['it@acme.test']]]);
  });
});

describe('what is sent, and when', () => {
  it('masks a secret found in a reason and in the abort message', async () => {
    const server = await smtp({ key: cert.key, cert: cert.cert }, ACCOUNT);
    const loaded = await alertsMapping(dir.dir, emailYaml(server.port, `    caFile: ${cert.certFile}\n`), ENV);
    registerSecret(CLIENT_SECRET); // as loading the mapping file does
    const aborted = report([problem(2, { reason: `the server said: bad password ${SMTP_PASSWORD}` })], {
      status: 'aborted',
      abort: { stage: 'checking the documents', kind: 'unreachable', message: `connection to sftp://sync:${CLIENT_SECRET}@files lost` },
    });
    const { log } = memoryLog();

    await sendAlerts(loaded, aborted, { log });

    const raw = server.mails[0]!.raw;
    const { subject, text, html } = readMail(raw);
    expect(subject).toBe('clearnox-sync acme: ABORTED while checking the documents');
    expect(text).toContain('What stopped it (unreachable), while checking the documents:');
    expect(text).toContain('connection to sftp://sync:***@files lost');
    expect(text).toContain('FA-2 (ent_2): file_missing: the server said: bad password ***');
    for (const secret of [SMTP_PASSWORD, CLIENT_SECRET]) {
      expect(text).not.toContain(secret);
      expect(html).not.toContain(secret);
      expect(raw).not.toContain(secret);
    }
  });

  it('a run that threw before its report: the abort alert, masked', async () => {
    const server = await smtp({ key: cert.key, cert: cert.cert }, ACCOUNT);
    const loaded = await alertsMapping(dir.dir, emailYaml(server.port, `    caFile: ${cert.certFile}\n    subjectPrefix: ERP ACME\n`), ENV);
    const { log } = memoryLog();

    await sendFailureAlerts(loaded, new Error(`worker died holding ${CLIENT_SECRET}`), { log, logFile: '/var/log/run.log' });

    const { subject, text } = readMail(server.mails[0]!.raw);
    expect(subject).toBe('ERP ACME: ABORTED before its report was made');
    expect(text).toContain('worker died holding ***');
    expect(text).toContain('Log: /var/log/run.log');
    expect(text).not.toContain(CLIENT_SECRET);
  });

  it('lists the first 20 problems and counts the rest; known ones are left out unless report.problems is all', async () => {
    const server = await smtp({ key: cert.key, cert: cert.cert }, ACCOUNT);
    const many = report([
      ...Array.from({ length: 23 }, (_, i) => problem(i + 1)),
      problem(90, { problem: 'known', firstReportedAt: '2026-10-01T02:00:00.000Z' }),
    ]);
    const { log } = memoryLog();

    await sendAlerts(await alertsMapping(dir.dir, emailYaml(server.port, `    caFile: ${cert.certFile}\n`), ENV), many, { log });
    await sendAlerts(await alertsMapping(dir.dir, emailYaml(server.port, `    caFile: ${cert.certFile}\n`), ENV, 'report:\n  problems: all\n'), many, { log });

    const [onlyNew, all] = server.mails.map((m) => readMail(m.raw));
    expect(onlyNew!.subject).toBe('clearnox-sync acme: 23 new problems (1 known, already reported by earlier runs)');
    expect(onlyNew!.text).toContain('FA-20 (ent_20)');
    expect(onlyNew!.text).not.toContain('FA-21 (ent_21)');
    expect(onlyNew!.text).toContain('... and 3 more in the report.');
    expect(onlyNew!.text).not.toContain('FA-90');
    expect(onlyNew!.text).toContain('1 known problem, reported by earlier runs, not listed here');
    expect(all!.subject).toBe('clearnox-sync acme: 24 problems');
    expect(all!.text).toContain('... and 4 more in the report.');
  });

  it('sends nothing for a run with nothing new, unless alerts.on is always', async () => {
    const server = await smtp({ key: cert.key, cert: cert.cert }, ACCOUNT);
    const quiet = report([attached(1), problem(2, { problem: 'known', firstReportedAt: '2026-10-01T02:00:00.000Z' })]);
    const { log } = memoryLog();

    await sendAlerts(await alertsMapping(dir.dir, emailYaml(server.port, `    caFile: ${cert.certFile}\n`), ENV), quiet, { log });
    expect(server.mails).toEqual([]);

    await sendAlerts(await alertsMapping(dir.dir, `  on: always\n${emailYaml(server.port, `    caFile: ${cert.certFile}\n`)}`, ENV), quiet, { log });
    expect(server.mails.map((m) => readMail(m.raw).subject)).toEqual(['clearnox-sync acme: completed, 1 attached, no new problem (1 known, already reported by earlier runs)']);
  });

  it('says a dry run is one', async () => {
    const server = await smtp({ key: cert.key, cert: cert.cert }, ACCOUNT);
    const dry = report([problem(2)], { dryRun: true });
    const { log } = memoryLog();

    await sendAlerts(await alertsMapping(dir.dir, emailYaml(server.port, `    caFile: ${cert.certFile}\n`), ENV), dry, { log });

    const { subject, text } = readMail(server.mails[0]!.raw);
    expect(subject).toBe('clearnox-sync acme (dry run): 1 new problem');
    expect(text).toContain('It was a dry run: nothing was sent to Clearnox.');
  });
});
