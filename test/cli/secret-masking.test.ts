// The compiled program: a value read from a ${file:} reference is a secret, wherever it shows.
// A folder path that holds a quote and a tab is written escaped in JSON: the log file, the
// console and the report mask it all the same.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { cli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { buildFixture, pdf, type Fixture } from '../helpers/fixture.js';

let sandbox: SandboxHandle;
let fixture: Fixture;

beforeAll(async () => {
  sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 5, pollRetryAfterSeconds: null });
  fixture = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') }], { baseUrl: sandbox.url });
});

afterAll(async () => {
  await sandbox.close();
  await rm(fixture.dir, { recursive: true, force: true });
});

describe('masking in the compiled CLI', () => {
  it('masks a secret holding a quote, a backslash and a tab in the console summary, the console log, the log file and the report', async () => {
    const secretRoot = path.join(fixture.dir, 'no "zyxw"\\\tqvut');
    await writeFile(path.join(fixture.dir, 'root.txt'), `${secretRoot}\n`);
    const mapping = (await readFile(fixture.mappingPath, 'utf8')).replace('root: pdfs', 'root: ${file:root.txt}');
    await writeFile(fixture.mappingPath, mapping);
    const logFile = path.join(fixture.dir, 'run.log');
    const reportFile = path.join(fixture.dir, 'report.json');
    const out = await cli(['run', '--config', fixture.mappingPath, '--log-file', logFile, '--report', reportFile], { CNX_TEST_SECRET: 'sandbox-secret' });
    const texts = { stdout: out.stdout, stderr: out.stderr, log: await readFile(logFile, 'utf8'), report: await readFile(reportFile, 'utf8') };
    // The run did stop on that folder, and said so.
    expect(out.stdout).toMatch(/ABORTED[\s\S]*documents\.root: the folder \*\*\* does not exist/);
    for (const [where, text] of Object.entries(texts)) {
      for (const form of [secretRoot, JSON.stringify(secretRoot).slice(1, -1), 'zyxw', 'qvut']) {
        expect(text.includes(form), `${where} shows ${JSON.stringify(form)}`).toBe(false);
      }
    }
    expect(texts.report).toContain('***');
    expect(texts.log).toContain('***');
  });
});
