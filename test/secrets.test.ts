// Masking holds whatever a secret is made of and wherever it is written: log lines (file and
// console), the JSON report, error messages.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NetworkError } from '../src/clearnox/errors.js';
import { createLogger } from '../src/log.js';
import { MappingError } from '../src/mapping/errors.js';
import { writeReport, type RunReport } from '../src/pipeline/report.js';
import { clearSecrets, MASK, redact, redactValue, registerSecret } from '../src/secrets.js';

// A quote, a backslash, a tab, a newline, a percent sign, a slash and a hash: JSON and URLs
// write each of them otherwise.
const ODD = ['pa"ss\\word', 'tab\there-9', 'line\nbreak-8', 'fifty%off-7', 'sl/ash#hash?q=1 &x'];

/** Every way the tests look for a secret in output. */
function leaks(text: string, secret: string): string[] {
  const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')];
  return forms.filter((f) => text.includes(f));
}

beforeEach(() => clearSecrets());

describe('redact', () => {
  it('masks a secret that contains another one whole, whichever was registered first', () => {
    registerSecret('hunter');
    registerSecret('hunter2-long');
    expect(redact('a hunter2-long b hunter c')).toBe(`a ${MASK} b ${MASK} c`);
    clearSecrets();
    registerSecret('hunter2-long');
    registerSecret('hunter');
    expect(redact('a hunter2-long b hunter c')).toBe(`a ${MASK} b ${MASK} c`);
  });

  it('masks two secrets that overlap in the text as one span', () => {
    registerSecret('abcdef');
    registerSecret('defghi');
    expect(redact('x abcdefghi y')).toBe(`x ${MASK} y`);
  });

  it('masks URL-encoded, form-encoded and decoded forms', () => {
    registerSecret('p@ss w/rd#1');
    expect(redact('postgres://u:p%40ss%20w%2Frd%231@db')).toBe(`postgres://u:${MASK}@db`);
    expect(redact('password=p%40ss+w%2Frd%231&x=1')).toBe(`password=${MASK}&x=1`);
    expect(redact('p%40ss%20w%2frd%231')).toBe(MASK); // lower-case hex
    clearSecrets();
    // URLSearchParams (the token request's body) encodes ! ' ( ) ~, which encodeURIComponent keeps.
    const secret = "it's(a)~secret!";
    registerSecret(secret);
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_secret: secret }).toString();
    expect(redact(body)).toBe(`grant_type=client_credentials&client_secret=${MASK}`);
    expect(redact(body.toLowerCase())).toContain(`client_secret=${MASK}`);
    clearSecrets();
    registerSecret('pa%2Fss%23w'); // a password written URL-encoded in a connection string
    expect(redact('password pa/ss#w and pa%2Fss%23w')).toBe(`password ${MASK} and ${MASK}`);
  });

  it('masks the JSON-escaped form in text already serialised', () => {
    for (const s of ODD) registerSecret(s);
    for (const s of ODD) expect(leaks(redact(JSON.stringify({ v: `<${s}>` })), s), s).toEqual([]);
  });
});

describe('redactValue', () => {
  it('masks strings and keys before serialisation, so the JSON holds no escaped secret', () => {
    for (const s of ODD) registerSecret(s);
    const value = { rows: ODD.map((s) => ({ reason: `failed with ${s}.`, [s]: 1, url: `sftp://u:${encodeURIComponent(s)}@h` })), n: 3, ok: true, none: null };
    const text = JSON.stringify(redactValue(value));
    for (const s of ODD) expect(leaks(text, s), s).toEqual([]);
    expect(redactValue(value).rows[0]).toEqual({ reason: `failed with ${MASK}.`, [MASK]: 1, url: `sftp://u:${MASK}@h` });
    expect(redactValue(value)).toMatchObject({ n: 3, ok: true, none: null });
  });

  it('keeps an error an error of its class, with its message, stack and own properties masked', () => {
    registerSecret('s3cr"t-val');
    class DriverError extends Error {
      code = 'E_LOGIN';
    }
    const err = new DriverError('login with s3cr"t-val refused');
    const masked = redactValue({ err }).err;
    expect(masked).toBeInstanceOf(DriverError);
    expect(masked.message).toBe(`login with ${MASK} refused`);
    expect(masked.stack).toContain(`login with ${MASK} refused`);
    expect(masked.code).toBe('E_LOGIN');
    expect(err.message).toBe('login with s3cr"t-val refused'); // the original is left alone
  });

  it("keeps what an error's class gives through getters, a DOMException's name, message and code included", async () => {
    registerSecret('dom-secret-1');
    const timedOut = AbortSignal.timeout(1);
    await new Promise((r) => setTimeout(r, 20));
    const reason = timedOut.reason as DOMException;
    const aborted = new DOMException('stopped dom-secret-1', 'AbortError');
    const masked = redactValue({ err: reason, aborted });
    expect(masked.err).toBeInstanceOf(DOMException);
    expect([masked.err.name, masked.err.message, masked.err.code]).toEqual([reason.name, reason.message, reason.code]);
    expect([masked.aborted.name, masked.aborted.message]).toEqual(['AbortError', `stopped ${MASK}`]);
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
    const log = createLogger({ console: true });
    log.error({ err: reason }, 'the request timed out');
    log.error(aborted, 'stopped');
    await new Promise((r) => setTimeout(r, 20));
    vi.restoreAllMocks();
    expect(lines).toEqual(['ERROR: the request timed out\n', 'ERROR: stopped\n']);
  });

  it('copes with a value that refers to itself', () => {
    registerSecret('loop-secret');
    const a: Record<string, unknown> = { s: 'loop-secret' };
    a['self'] = a;
    const masked = redactValue(a) as Record<string, unknown>;
    expect(masked['s']).toBe(MASK);
    expect(masked['self']).toBe(masked);
  });
});

describe('the log', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'secrets-log-'));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('masks secrets holding ", \\, tab, newline or % in the file and on the console, in the message, objects, errors and child bindings', async () => {
    for (const s of ODD) registerSecret(s);
    registerSecret('short-secret');
    registerSecret('short-secret-and-more');
    const console: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      console.push(String(chunk));
      return true;
    });
    const file = path.join(dir, 'run.log');
    const log = createLogger({ file, level: 'info' });
    for (const s of ODD) {
      log.info({ password: s, nested: { list: [s], url: `mysql://u:${encodeURIComponent(s)}@db` } }, `connecting with ${s}`);
      log.warn({ err: new Error(`driver said ${s}`) }, 'formatted: %s', s);
      log.child({ who: s }).error('from a child');
    }
    log.info({ both: 'short-secret-and-more short-secret' }, 'short-secret-and-more');
    log.flush();
    const text = await readFile(file, 'utf8');
    const shown = console.join('');
    for (const s of [...ODD, 'short-secret']) {
      expect(leaks(text, s), `file: ${s}`).toEqual([]);
      expect(leaks(shown, s), `console: ${s}`).toEqual([]);
    }
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ password: MASK, nested: { list: [MASK], url: `mysql://u:${MASK}@db` }, msg: `connecting with ${MASK}` });
    expect(lines[1]).toMatchObject({ msg: `formatted: ${MASK}`, err: { type: 'Error', message: `driver said ${MASK}` } });
    expect(lines[2]).toMatchObject({ who: MASK });
    expect(lines.at(-1)).toMatchObject({ both: `${MASK} ${MASK}`, msg: MASK });
    expect(shown).toContain(`connecting with ${MASK}\n`);
  });
});

describe('error messages', () => {
  it('mask a secret holding a quote, a backslash, a tab or a newline in a mapping-file problem and a Clearnox error', () => {
    registerSecret('db-pw-1'); // registered before a secret that contains it
    for (const s of ODD) registerSecret(s);
    registerSecret('db-pw-1-and-more');
    const err = new MappingError('/x/mapping.yaml', [...ODD, 'db-pw-1-and-more'].map((s, i) => ({ path: `k${i}`, line: i + 1, message: `cannot use ${s} here` })));
    expect(err.message).not.toContain('and-more');
    for (const s of ODD) expect(leaks(err.message, s), s).toEqual([]);
    expect(err.message.split('\n')[1]).toBe(`mapping.yaml:1 k0: cannot use ${MASK} here`);
    const api = new NetworkError('other', 'api.clearnox.test', 'token', `socket said ${ODD[0]} (${encodeURIComponent(ODD[4]!)})`);
    expect(api.message).toContain(`(socket said ${MASK} (${MASK}))`);
  });
});

describe('the report file', () => {
  it('holds no secret, escaped or not', async () => {
    for (const s of ODD) registerSecret(s);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'secrets-report-'));
    const file = path.join(dir, 'report.json');
    const report = { entries: ODD.map((s, i) => ({ entryId: `ent_${i}`, reason: `cannot open ${s}` })), abort: { message: `stopped: ${ODD[0]}` } };
    await writeReport(file, report as unknown as RunReport);
    const text = await readFile(file, 'utf8');
    for (const s of ODD) expect(leaks(text, s), s).toEqual([]);
    expect(JSON.parse(text)).toMatchObject({ entries: ODD.map(() => ({ reason: `cannot open ${MASK}` })), abort: { message: `stopped: ${MASK}` } });
    await rm(dir, { recursive: true, force: true });
  });
});
