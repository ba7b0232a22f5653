// A query the database refused, placed in the mapping file: the line of the file where the faulty
// SQL line is written, for each way YAML writes a query, and the database's words without the
// batch's numbers. SQL Server has no test server: its error is built as tedious builds it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryFailedError } from '../../adapters/database/errors.js';
import { loadMssqlDriver, mssqlAdapter, mssqlDialect, mssqlSettings, mssqlTarget } from '../../adapters/database/mssql.js';
import { mysqlAdapter, mysqlDialect, mysqlTarget } from '../../adapters/database/mysql.js';
import { MappingError } from '../../src/mapping/errors.js';
import { placeQueryError } from '../../src/mapping/query-place.js';

const { RequestError } = createRequire(import.meta.url)('tedious') as {
  RequestError: new (message: string, code?: string) => Error & { number?: number; lineNumber?: number };
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-query-place-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const full = path.join(dir, name);
  await writeFile(full, text);
  return full;
}

const driver = await loadMssqlDriver();
const sqlServer = mssqlDialect(mssqlTarget(mssqlSettings(mssqlAdapter.optionsSchema.parse({ host: 'sql01', database: 'BIJOU', user: 'clearnox', password: 'pw-9182' }), driver), false));

/** tedious's error for a syntax error (number 102) at `line` of the batch. */
function incorrectSyntax(line: number): Error {
  const err = new RequestError("Incorrect syntax near 'AND'.", 'EREQUEST');
  err.number = 102;
  err.lineNumber = line;
  return err;
}

const SAGE = "SELECT DO_Piece AS documentNumber, DO_Piece + '.pdf' AS path\n  FROM dbo.F_DOCENTETE\n WHERE DO_Domaine = 0 AND AND DO_Piece IN (:documentNumbers)\n";

describe('a SQL Server syntax error (102)', () => {
  it('names the mapping file, source.query and the file line of the faulty SQL line (a literal block)', async () => {
    const yaml = `version: 1\nsource:\n  type: mssql\n  query: |\n${SAGE.split('\n').filter(Boolean).map((l) => `    ${l}`).join('\n')}\n  pathColumn: path\n`;
    const mapping = await file('sage.yaml', yaml);
    const placed = await placeQueryError(sqlServer.explain(incorrectSyntax(3), SAGE), mapping);
    expect(placed).toBeInstanceOf(MappingError);
    expect((placed as MappingError).problems).toEqual([expect.objectContaining({ path: 'source.query', line: 7 })]);
    expect((placed as MappingError).message).toBe(
      `The mapping file ${mapping} has a problem:\n` +
        `sage.yaml:7 source.query: failed on the SQL Server at sql01:1433 at line 3 of the query ("WHERE DO_Domaine = 0 AND AND DO_Piece IN (:documentNumbers)"): Incorrect syntax near 'AND'. Correct the query in the mapping file; it is run as written.`,
    );
    expect(yaml.split('\n')[6]).toContain('AND AND');
  });

  it('a query on one line: the line where it is written', async () => {
    const sql = 'SELECT a AS documentNumber FROM t WHERE a IN (:documentNumbers) AND AND';
    const mapping = await file('one-line.yaml', `version: 1\nsource:\n  type: mssql\n  # the look-up\n  query: ${sql}\n`);
    const placed = (await placeQueryError(sqlServer.explain(incorrectSyntax(1), sql), mapping)) as MappingError;
    expect(placed.problems).toEqual([expect.objectContaining({ path: 'source.query', line: 5 })]);
  });

  it("a company's own query is named by its key", async () => {
    const shared = 'SELECT a AS documentNumber FROM t WHERE a IN (:documentNumbers)';
    const own = 'SELECT a AS documentNumber\nFROM t2\nWHERE a IN (:documentNumbers) AND AND\n';
    const mapping = await file(
      'companies.yaml',
      `version: 1\nsource:\n  type: mssql\n  query: ${shared}\n  companies:\n    ACME: {}\n    BIJOU:\n      query: |\n        SELECT a AS documentNumber\n        FROM t2\n        WHERE a IN (:documentNumbers) AND AND\n`,
    );
    const placed = (await placeQueryError(sqlServer.explain(incorrectSyntax(3), own), mapping)) as MappingError;
    expect(placed.problems).toEqual([expect.objectContaining({ path: 'source.companies.BIJOU.query', line: 11 })]);
  });

  it('a long faulty line is cut between words, never inside a name or a value', async () => {
    const values = Array.from({ length: 12 }, (_, i) => `'FA-2024-${String(i).padStart(5, '0')}'`).join(', ');
    const sql = `SELECT a AS documentNumber FROM t\nWHERE a IN (:documentNumbers) AND b NOT IN (${values}) AND AND\n`;
    const e = sqlServer.explain(incorrectSyntax(2), sql) as QueryFailedError;
    const quoted = /at line 2 of source\.query \("(.*?)"\)/.exec(e.message)?.[1] ?? '';
    expect(quoted.length).toBeLessThanOrEqual(120);
    expect(quoted).toMatch(/ \.\.\.$/);
    const kept = quoted.replace(/ \.\.\.$/, '');
    expect(sql).toContain(kept);
    expect(sql.charAt(sql.indexOf(kept) + kept.length)).toBe(' ');
  });

  it('any other error, or a file that cannot be read again, is given back as it is', async () => {
    const other = new Error('something else');
    expect(await placeQueryError(other, path.join(dir, 'sage.yaml'))).toBe(other);
    const failed = sqlServer.explain(incorrectSyntax(3), SAGE);
    expect(await placeQueryError(failed, path.join(dir, 'gone.yaml'))).toBe(failed);
  });
});

describe('a MySQL/MariaDB syntax error before the list of numbers', () => {
  it('quotes the statement from where the server stopped without its run of placeholders', () => {
    const t = mysqlTarget(mysqlAdapter.optionsSchema.parse({ host: 'db01', database: 'erp', user: 'r', password: 'pw-1' }));
    const err = Object.assign(
      new Error(
        `You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'INN (${Array(30).fill('?').join(', ')}' at line 3`,
      ),
      { code: 'ER_PARSE_ERROR', errno: 1064, sqlState: '42000' },
    );
    const e = mysqlDialect(t).explain(err, 'SELECT a\nFROM t\nWHERE a INN (:documentNumbers)\n');
    expect(e.message).toContain("near 'INN (?, ...' at line 3");
    expect(e.message).not.toMatch(/\?, \?/);
  });
});
