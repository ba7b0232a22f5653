// The plain-text log as a person opens it: one line per record with its local time and level,
// the summary last, masked, private, and never written through a link.
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { TextLog } from '../../src/logs/text-log.js';
import { clearSecrets, registerSecret } from '../../src/secrets.js';

let dir: string;
const startedAt = new Date(2026, 11, 2, 3, 30, 12);

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-textlog-'));
  clearSecrets();
});
afterEach(async () => {
  clearSecrets();
  await rm(dir, { recursive: true, force: true });
});

function logTo(text: TextLog) {
  return createLogger({ console: false, text });
}

describe('the plain-text log', () => {
  it('has a line per record with its local time and level, every level from debug up, next lines indented, and the summary last', async () => {
    const text = TextLog.open(dir, '20261202-033012', { startedAt, platform: 'linux', mappingFile: '/srv/acme.yaml' });
    const log = logTo(text);
    log.debug('Looked up 3 of 3 document numbers');
    log.info({ entries: 3 }, '3 entries have no document in Clearnox.');
    log.warn('FA-2: the PDF file is missing');
    log.error('Archive 1: sending failed\nsecond line');
    text.summary('Run completed: 3 entries without a document in Clearnox.\n  attached            2');
    text.close();
    expect(path.basename(text.file)).toBe('run-20261202-033012.log');
    const content = await readFile(text.file, 'utf8');
    const lines = content.split('\n');
    expect(lines[0]).toMatch(/^clearnox-sync run of 2026-12-02 03:30:12 \(times are local, UTC[+-]\d\d:\d\d\), mapping file \/srv\/acme\.yaml$/);
    const stamp = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`;
    expect(lines[1]).toMatch(new RegExp(`^${stamp}  DEBUG  Looked up 3 of 3 document numbers$`));
    expect(lines[2]).toMatch(new RegExp(`^${stamp}  INFO   3 entries have no document in Clearnox\\.$`));
    expect(lines[3]).toMatch(new RegExp(`^${stamp}  WARN   FA-2: the PDF file is missing$`));
    expect(lines[4]).toMatch(new RegExp(`^${stamp}  ERROR  Archive 1: sending failed$`));
    expect(lines[5]).toBe(`${' '.repeat(28)}second line`);
    expect(content.endsWith('\nRun completed: 3 entries without a document in Clearnox.\n  attached            2\n')).toBe(true);
    // No byte-order mark and no CR off Windows: tools there expect neither.
    expect(content.startsWith('clearnox-sync')).toBe(true);
    expect(content).not.toContain('\r');
  });

  it('starts with a byte-order mark and ends its lines with CRLF on Windows, accents intact', async () => {
    const text = TextLog.open(dir, '20261202-033012', { startedAt, platform: 'win32' });
    logTo(text).warn('Société Générale: facture FA-é manquante');
    text.summary('Run completed\n  attached 1');
    text.close();
    const bytes = await readFile(text.file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const content = bytes.toString('utf8');
    expect(content).toContain('WARN   Société Générale: facture FA-é manquante\r\n');
    expect(content.endsWith('\r\nRun completed\r\n  attached 1\r\n')).toBe(true);
    expect(content.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('masks secrets, in records and in the summary', async () => {
    registerSecret('s3cr3t-Value-42');
    const text = TextLog.open(dir, '20261202-033012', { startedAt });
    logTo(text).warn({ password: 's3cr3t-Value-42' }, 'the password s3cr3t-Value-42 was refused');
    text.summary('summary with s3cr3t-Value-42');
    text.close();
    const content = await readFile(text.file, 'utf8');
    expect(content).not.toContain('s3cr3t');
    expect(content).toContain('the password *** was refused');
    expect(content).toContain('summary with ***');
  });

  it('is readable by this account only', async () => {
    const text = TextLog.open(dir, '20261202-033012', { startedAt });
    text.close();
    expect((await stat(text.file)).mode & 0o777).toBe(0o600);
  });

  it('leaves a link, or a file, at its name alone and takes the next name', async () => {
    const target = path.join(dir, 'elsewhere.txt');
    await writeFile(target, 'not a log\n');
    await symlink(target, path.join(dir, 'run-20261202-033012.log'));
    await writeFile(path.join(dir, 'run-20261202-033012-2.log'), 'an earlier run of that second\n');
    const text = TextLog.open(dir, '20261202-033012', { startedAt });
    logTo(text).info('hello');
    text.close();
    expect(path.basename(text.file)).toBe('run-20261202-033012-3.log');
    expect(await readFile(target, 'utf8')).toBe('not a log\n');
    expect(await readFile(path.join(dir, 'run-20261202-033012-2.log'), 'utf8')).toBe('an earlier run of that second\n');
    expect(await readFile(text.file, 'utf8')).toContain('INFO   hello');
  });
});
