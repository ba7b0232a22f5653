// What the alert tests share: a mapping file with an alerts section, a run's report, a real SMTP
// server (smtp-server) and an HTTP receiver on 127.0.0.1, and a log whose records can be read.
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { builtinAdapters } from '../../adapters/index.js';
import { parseMapping } from '../../src/mapping/load.js';
import type { LoadedMapping } from '../../src/mapping/schema.js';
import type { EntryResult } from '../../src/pipeline/outcomes.js';
import { countResults, type RunReport } from '../../src/pipeline/report.js';
import { redactValue } from '../../src/secrets.js';

export const CLIENT_SECRET = 'cnx-client-secret-8812';

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-alerts-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A mapping file in `dir` with the alerts section given (indented YAML under `alerts:`), loaded. */
export async function alertsMapping(dir: string, alerts: string, env: Record<string, string> = {}, more = '', clearnoxMore = ''): Promise<LoadedMapping> {
  const text = `version: 1
clearnox:
  baseUrl: https://api.clearnox.test
  clientId: acme-connector
  clientSecret: \${env:CNX_TEST_SECRET}
${clearnoxMore}source:
  type: sqlite
  path: erp.sqlite
  query: SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)
  pathColumn: path
documents:
  type: local
  root: pdfs
${more}alerts:
${alerts}`;
  return parseMapping(text, path.join(dir, 'acme.yaml'), builtinAdapters(), { env: { CNX_TEST_SECRET: CLIENT_SECRET, ...env } });
}

export function problem(n: number, over: Partial<EntryResult> = {}): EntryResult {
  return {
    entryId: `ent_${n}`,
    documentNumber: `FA-${n}`,
    companyCode: 'ACME',
    type: 'invoice',
    outcome: 'file_missing',
    reasonCode: 'file_not_found',
    reason: `no file at "2025/FA-${n}.pdf"`,
    path: `2025/FA-${n}.pdf`,
    problem: 'new',
    ...over,
  };
}

export function attached(n: number): EntryResult {
  return { entryId: `ent_${n}`, documentNumber: `FA-${n}`, outcome: 'attached', reasonCode: 'attached', reason: `attached as FA-${n}.pdf` };
}

export function report(entries: EntryResult[], over: Partial<RunReport> = {}): RunReport {
  const r: RunReport = {
    runId: 'run-1',
    tool: 'clearnox-sync',
    mappingFile: '/srv/acme.yaml',
    startedAt: '2026-11-25T02:00:03.401Z',
    finishedAt: '2026-11-25T02:00:06.670Z',
    dryRun: false,
    status: entries.some((e) => e.outcome !== 'attached' && e.outcome !== 'not_found') ? 'completed_with_failures' : 'completed',
    listed: true,
    counts: countResults(entries, { uploadedArchives: 1, earlierImports: 0 }),
    archives: [],
    entries,
    ...over,
  };
  return r;
}

export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A logger that keeps its records (masked as the real one masks them), for the warnings a test expects. */
export function memoryLog(): { log: Logger; records: LogRecord[]; warnings(): string[]; text(): string } {
  const records: LogRecord[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      records.push(JSON.parse(chunk.toString('utf8')) as LogRecord);
      done();
    },
  });
  const log = pino(
    { level: 'debug', base: undefined, hooks: { logMethod(args, method) { method.apply(this, args.map((a) => redactValue(a)) as Parameters<pino.LogFn>); } } },
    stream,
  );
  return {
    log,
    records,
    warnings: () => records.filter((r) => r.level === 40).map((r) => r.msg),
    text: () => JSON.stringify(records),
  };
}

export interface ReceivedMail {
  raw: string;
  from: string;
  to: string[];
  /** Whether the connection was encrypted when the message came. */
  secure: boolean;
}

export interface ReceivedAuth {
  method: string;
  username: string;
  password: string;
  secure: boolean;
}

export interface TestSmtp {
  port: number;
  mails: ReceivedMail[];
  auths: ReceivedAuth[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 that keeps what it is sent; it accepts the one account given. */
export async function startSmtp(options: SMTPServerOptions, account?: { username: string; password: string }): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const auths: ReceivedAuth[] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !account,
    logger: false,
    ...options,
    onAuth(auth, session, callback) {
      auths.push({ method: auth.method, username: auth.username ?? '', password: auth.password ?? '', secure: session.secure });
      if (account && auth.username === account.username && auth.password === account.password) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
        });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, auths, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function decodePart(headers: string, body: string): string {
  if (/content-transfer-encoding:\s*base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(headers)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** The subject and the decoded text and HTML parts of a message nodemailer wrote. */
export function readMail(raw: string): { subject: string; text: string; html: string; headers: string } {
  const [head = ''] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const subject = /^subject: (.*)$/im.exec(unfolded)?.[1] ?? '';
  const parts: Record<string, string> = {};
  for (const type of ['text/plain', 'text/html']) {
    const at = raw.search(new RegExp(`content-type: ${type.replace('/', '\\/')}`, 'i'));
    if (at < 0) continue;
    const rest = raw.slice(at);
    const split = rest.search(/\r?\n\r?\n/);
    const partHeaders = rest.slice(0, split);
    const body = rest.slice(split).replace(/^\r?\n\r?\n/, '').split(/\r?\n--/)[0]!;
    parts[type] = decodePart(partHeaders, body);
  }
  return { subject, text: parts['text/plain'] ?? '', html: parts['text/html'] ?? '', headers: unfolded };
}

export interface ReceivedPost {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestReceiver {
  url: string;
  port: number;
  posts: ReceivedPost[];
  close(): Promise<void>;
}

/**
 * An HTTP receiver on 127.0.0.1 answering each POST as `answer` says (200 by default; never, to
 * time out); HTTPS with the certificate given.
 */
export async function startReceiver(answer: (res: http.ServerResponse) => void = (res) => res.end('ok'), tls?: { cert: string; key: string }): Promise<TestReceiver> {
  const posts: ReceivedPost[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(res);
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
