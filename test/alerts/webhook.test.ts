// The webhook alert against an HTTP receiver on 127.0.0.1: the body in each format, and a
// receiver that fails or never answers is a warning that names its host, never its address.
import { afterEach, describe, expect, it } from 'vitest';
import { sendAlerts } from '../../src/alerts/index.js';
import { clearSecrets } from '../../src/secrets.js';
import { closedPort } from '../helpers/closed-port.js';
import { startConnectProxy } from '../helpers/connect-proxy.js';
import { selfSignedCertificate } from '../helpers/self-signed.js';
import { alertsMapping, attached, memoryLog, problem, report, startReceiver, tempDir, type TestReceiver } from './fixture.js';

const TOKEN = 'hook-token-5fe1c2d9';
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
  clearSecrets();
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<TestReceiver> {
  const r = await startReceiver(...args);
  cleanup.push(() => r.close());
  return r;
}

async function webhookMapping(url: string, format?: string) {
  const d = await tempDir();
  cleanup.push(() => d.remove());
  return alertsMapping(d.dir, `  webhook:\n    url: \${env:ALERT_WEBHOOK}\n${format ? `    format: ${format}\n` : ''}`, { ALERT_WEBHOOK: url });
}

const twoProblems = () =>
  report([attached(1), problem(2), problem(3, { outcome: 'ambiguous', reasonCode: 'several_files', reason: 'several files: <a> & <b>' })]);

async function posted(format?: string): Promise<{ body: Record<string, any>; contentType: string | undefined; path: string }> {
  const r = await receiver();
  const { log, warnings } = memoryLog();
  await sendAlerts(await webhookMapping(`${r.url}/hooks/${TOKEN}`, format), twoProblems(), { log, reportFile: 'D:\\reports\\run-1.json' });
  expect(warnings()).toEqual([]);
  expect(r.posts).toHaveLength(1);
  const [post] = r.posts;
  expect(post!.method).toBe('POST');
  return { body: JSON.parse(post!.body) as Record<string, any>, contentType: post!.headers['content-type'], path: post!.url };
}

describe('the body', () => {
  it('json (the default): the alert\'s fields', async () => {
    const { body, contentType, path } = await posted();
    expect(path).toBe(`/hooks/${TOKEN}`);
    expect(contentType).toBe('application/json; charset=utf-8');
    expect(body).toMatchObject({
      tool: 'clearnox-sync',
      subject: 'clearnox-sync acme: 2 new problems',
      status: 'problems',
      runId: 'run-1',
      dryRun: false,
      abort: null,
      counts: { 'entries without a document': 3, attached: 1, 'PDF file missing': 1, 'ambiguous number': 1 },
      moreProblems: 0,
      knownProblems: 0,
      reportFile: 'D:\\reports\\run-1.json',
    });
    expect(body['problems']).toEqual([
      { entryId: 'ent_2', documentNumber: 'FA-2', outcome: 'file_missing', reason: 'no file at "2025/FA-2.pdf"', path: '2025/FA-2.pdf' },
      { entryId: 'ent_3', documentNumber: 'FA-3', outcome: 'ambiguous', reason: 'several files: <a> & <b>', path: '2025/FA-3.pdf' },
    ]);
    expect(body['text']).toContain('FA-2 (ent_2): file_missing');
  });

  it('teams: an Adaptive Card in the message envelope Teams webhooks take', async () => {
    const { body } = await posted('teams');
    expect(body['type']).toBe('message');
    expect(body['attachments']).toHaveLength(1);
    const [card] = body['attachments'];
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    const blocks = card.content.body as { type: string; text?: string; facts?: { title: string; value: string }[] }[];
    expect(blocks[0]).toMatchObject({ type: 'TextBlock', text: 'clearnox-sync acme: 2 new problems', weight: 'Bolder' });
    expect(blocks.every((b) => ['TextBlock', 'FactSet'].includes(b.type))).toBe(true);
    expect(blocks.find((b) => b.type === 'FactSet')!.facts).toContainEqual({ title: 'PDF file missing', value: '1' });
    expect(blocks.map((b) => b.text)).toContain('FA-3 (ent_3): ambiguous: several files: <a> & <b>');
    expect(blocks.map((b) => b.text)).toContain('Report: D:\\reports\\run-1.json');
  });

  it('slack: text for the notification, blocks for the message, &<> escaped', async () => {
    const { body } = await posted('slack');
    expect(body['text']).toBe('clearnox-sync acme: 2 new problems\n2 new problems');
    const blocks = body['blocks'] as { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[];
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'clearnox-sync acme: 2 new problems' } });
    expect(blocks.every((b) => ['header', 'section', 'context'].includes(b.type))).toBe(true);
    const problems = blocks.find((b) => b.text?.text.startsWith('*The first problems:*'))!;
    expect(problems.text!.type).toBe('mrkdwn');
    expect(problems.text!.text).toContain('• FA-3 (ent_3): ambiguous: several files: &lt;a&gt; &amp; &lt;b&gt;');
    expect(blocks.at(-1)!.elements!.map((e) => e.text)).toContain('Report: D:\\reports\\run-1.json');
  });
});

describe('a receiver that fails', () => {
  it('a 500 is a warning with the status and the host, never the address and its token', async () => {
    const r = await receiver((res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const { log, warnings, text } = memoryLog();

    await expect(sendAlerts(await webhookMapping(`${r.url}/hooks/${TOKEN}`), twoProblems(), { log })).resolves.toBe(false);

    expect(warnings()).toEqual([
      `The alert was not sent to the webhook: the webhook at ${new URL(r.url).host} answered 500 Internal Server Error: boom. The run's result and exit code are as they would be without it.`,
    ]);
    expect(text()).not.toContain(TOKEN);
  });

  it('one that never answers is given up after the time allowed, with a warning', async () => {
    const r = await receiver(() => undefined);
    const { log, warnings } = memoryLog();

    await sendAlerts(await webhookMapping(`${r.url}/hooks/${TOKEN}`), twoProblems(), { log, timeoutMs: 300 });

    expect(r.posts).toHaveLength(1);
    expect(warnings()).toEqual([expect.stringMatching(/^The alert was not sent to the webhook: the webhook at 127\.0\.0\.1:\d+ did not answer within 0.3 s\./)]);
  });

  it('one that is not there is a warning', async () => {
    const r = await receiver();
    await r.close();
    const { log, warnings, text } = memoryLog();

    await sendAlerts(await webhookMapping(`${r.url}/hooks/${TOKEN}`), twoProblems(), { log });

    expect(warnings()).toEqual([expect.stringMatching(/the webhook at 127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\)/)]);
    expect(text()).not.toContain(TOKEN);
  });

  it('a redirect is not followed', async () => {
    const elsewhere = await receiver();
    const r = await receiver((res) => {
      res.statusCode = 307;
      res.setHeader('location', `${elsewhere.url}/stolen`);
      res.end();
    });
    const { log, warnings } = memoryLog();

    await sendAlerts(await webhookMapping(`${r.url}/hooks/${TOKEN}`), twoProblems(), { log });

    expect(elsewhere.posts).toEqual([]);
    expect(warnings()[0]).toMatch(/answered 307/);
  });
});

describe('the network settings of the clearnox section', () => {
  it('goes through clearnox.proxy, trusting clearnox.caFile, as the calls to Clearnox do', async () => {
    const cert = selfSignedCertificate(['DNS:hooks.acme.test']);
    cleanup.push(async () => cert.remove());
    const r = await receiver(undefined, cert);
    const proxy = await startConnectProxy({ targetPort: r.port });
    cleanup.push(() => proxy.close());
    const d = await tempDir();
    cleanup.push(() => d.remove());
    const loaded = await alertsMapping(d.dir, '  webhook:\n    url: ${env:ALERT_WEBHOOK}\n', { ALERT_WEBHOOK: `https://hooks.acme.test/hooks/${TOKEN}` }, '',
      `  proxy:\n    url: ${proxy.url}\n  caFile: ${cert.certFile}\n`);
    const { log, warnings } = memoryLog();

    await sendAlerts(loaded, twoProblems(), { log });

    expect(warnings()).toEqual([]);
    expect(proxy.tunnels).toEqual(['hooks.acme.test:443']);
    expect(r.posts.map((p) => [p.url, p.headers.host])).toEqual([[`/hooks/${TOKEN}`, 'hooks.acme.test']]);
  });

  it('a proxy that is down is named in the warning', async () => {
    const port = await closedPort();
    const d = await tempDir();
    cleanup.push(() => d.remove());
    const loaded = await alertsMapping(d.dir, '  webhook:\n    url: ${env:ALERT_WEBHOOK}\n', { ALERT_WEBHOOK: `https://hooks.acme.test/hooks/${TOKEN}` }, '',
      `  proxy:\n    url: http://127.0.0.1:${port}\n`);
    const { log, warnings, text } = memoryLog();

    await sendAlerts(loaded, twoProblems(), { log });

    expect(warnings()).toEqual([expect.stringContaining(`the webhook at hooks.acme.test could not be reached through the proxy http://127.0.0.1:${port} (from clearnox.proxy.url) (ECONNREFUSED)`)]);
    expect(text()).not.toContain(TOKEN);
  });
});
