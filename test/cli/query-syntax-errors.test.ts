// A look-up query with a syntax error, on the real PostgreSQL and MariaDB test servers, run as
// Task Scheduler runs it: the database's own words, the mapping file's line of the faulty SQL
// line, exit 2, and none of the numbers the batch bound.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { connectionYaml, mariadbErp, postgresErp, type ErpFixture } from '../adapters/database/server-fixture.js';
import { cli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { clearnoxYaml, SANDBOX_CLIENT_SECRET, SANDBOX_SECRET_ENV } from '../helpers/sandbox-run.js';
import { BOUND_NUMBERS, syntaxErrorQuery } from './query-errors-fixture.js';

let sandbox: SandboxHandle;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ entries: BOUND_NUMBERS.map((n, i) => entry(`ent_${i}`, n)), processingDelayMs: 5, pollRetryAfterSeconds: null });
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-query-syntax-'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['PostgreSQL', postgresErp, /syntax error at or near "AND"/],
  ['MariaDB', mariadbErp, /You have an error in your SQL syntax/],
])('%s', (name, make, databaseWords) => {
  let erp: ErpFixture;
  beforeAll(async () => {
    erp = await make([{ number: 'FA-1', pdf: 'FA-1.pdf' }]);
  });
  afterAll(() => erp.close());

  it('names the mapping file, the line of the faulty SQL and the database\'s words, without the bound numbers', async () => {
    const query = syntaxErrorQuery(erp.engine === 'mariadb' ? 'documentNumber' : '"documentNumber"');
    const file = path.join(dir, `${name}.yaml`);
    const text = `version: 1\n${clearnoxYaml(sandbox.url)}source:\n${connectionYaml(erp, 'CNX_DB_PASSWORD')}${query.yaml}  pathColumn: path\ndocuments:\n  type: local\n  root: .\n`;
    await writeFile(file, text);
    const r = await cli(['run', '--config', file], { [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET, CNX_DB_PASSWORD: erp.reader.password });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(2);
    const faultyLine = text.split('\n').findIndex((l) => l.includes('AND AND')) + 1;
    expect(out).toContain(`The mapping file ${file} has a problem:`);
    expect(out).toContain(`${name}.yaml:${faultyLine} source.query: `);
    expect(out).toMatch(databaseWords);
    expect(out).toContain('line 3 of the query');
    for (const n of BOUND_NUMBERS) expect(out).not.toContain(n);
  });

  it('an error before the list of numbers: the statement quoted from there holds no run of placeholders', async () => {
    const alias = erp.engine === 'mariadb' ? 'documentNumber' : '"documentNumber"';
    const file = path.join(dir, `${name}-before-list.yaml`);
    const query = `  query: |\n    SELECT number AS ${alias}, pdf AS path\n      FROM invoices\n     WHERE number INN (:documentNumbers)\n`;
    await writeFile(file, `version: 1\n${clearnoxYaml(sandbox.url)}source:\n${connectionYaml(erp, 'CNX_DB_PASSWORD')}${query}  pathColumn: path\ndocuments:\n  type: local\n  root: .\n`);
    const r = await cli(['run', '--config', file], { [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET, CNX_DB_PASSWORD: erp.reader.password });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(2);
    expect(out).toContain(`${name}-before-list.yaml:`);
    expect(out).toContain('source.query: failed on');
    expect(out).not.toMatch(/(\?|\$\d+), (\?|\$\d+), /);
    for (const n of BOUND_NUMBERS) expect(out).not.toContain(n);
  });
});
