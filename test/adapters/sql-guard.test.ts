import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readOnlyProblem, type SqlDialect } from '../../adapters/database/sql-guard.js';
import { demoMappingYaml } from '../../src/demo/mapping-yaml.js';

const DIALECTS: SqlDialect[] = ['sqlite', 'postgres', 'mysql', 'mssql'];
const IN = 'a IN (:documentNumbers)';

describe('readOnlyProblem', () => {
  it.each(DIALECTS)('accepts plain reads (%s)', (dialect) => {
    for (const sql of [
      'SELECT ref AS documentNumber FROM llx_facture WHERE ref IN (:documentNumbers)',
      'select a from t where upper(a) in (:normalizedNumbers);',
      "WITH x AS (SELECT a FROM t) SELECT a FROM x WHERE a IN (:documentNumbers) AND note <> 'drop; delete'",
      '-- comment\n(SELECT a FROM t WHERE a IN (:documentNumbers))',
      `SELECT a FROM t /* a comment; with DELETE in it */ WHERE ${IN} -- and one at the end; DROP`,
      `SELECT a, ';' AS semi, '--' AS dashes, '/*' AS opens, 'it''s' AS quote FROM t WHERE ${IN}`,
      `SELECT a FROM t WHERE ${IN} UNION ALL SELECT b FROM u WHERE b IN (:normalizedNumbers)`,
      `SELECT a FROM t WHERE ${IN} AND EXISTS (SELECT 1 FROM u WHERE u.a = t.a)`,
      `(SELECT a FROM t WHERE ${IN}) UNION (SELECT a FROM u)`,
      `WITH x AS (SELECT a FROM t), y AS (SELECT a FROM x) SELECT a FROM y WHERE ${IN}`,
      `SELECT a AS "documentNumber", "select" AS "delete" FROM t WHERE ${IN}`,
      `SELECT REPLACE(a, '\\\\', '/') AS path FROM t WHERE ${IN}`,
      `;WITH x AS (SELECT a FROM t) SELECT a FROM x WHERE ${IN};`,
    ]) {
      expect(readOnlyProblem(sql, dialect), sql).toBeNull();
    }
  });

  it('accepts each dialect\'s own forms: PostgreSQL casts and dollar quotes, MySQL backticks and `#` comments, SQL Server brackets and hints', () => {
    expect(readOnlyProblem(`SELECT a::text AS "documentNumber", $$it's; DELETE$$ AS note, E'a\\'b;' AS e FROM t WHERE a::text IN (:documentNumbers)`, 'postgres')).toBeNull();
    expect(readOnlyProblem(`SELECT a /* outer /* nested; */ still comment; */ FROM t WHERE ${IN}`, 'postgres')).toBeNull();
    expect(readOnlyProblem(`SELECT \`ref\` AS documentNumber, \`into\` FROM \`llx_facture\` WHERE ref IN (:documentNumbers) # a comment; DROP`, 'mysql')).toBeNull();
    expect(readOnlyProblem(`SELECT CAST(a AS CHAR CHARACTER SET utf8mb4) AS n FROM t /*+ MAX_EXECUTION_TIME(1000) */ WHERE ${IN}`, 'mysql')).toBeNull();
    expect(readOnlyProblem(`SELECT [DO_Piece] AS documentNumber, [it's] FROM [dbo].[F_DOCENTETE] WITH (NOLOCK) WHERE DO_Piece IN (:documentNumbers)`, 'mssql')).toBeNull();
    expect(readOnlyProblem(`SELECT TOP (10) WITH TIES @@SERVERNAME AS s, N'x;y' AS n FROM #t WHERE ${IN} ORDER BY a OFFSET 0 ROWS FETCH NEXT 5 ROWS ONLY`, 'mssql')).toBeNull();
    expect(readOnlyProblem(`SELECT a FROM t /* outer /* nested */ still comment */ WHERE ${IN}`, 'mssql')).toBeNull();
    expect(readOnlyProblem(`SELECT [a'b] AS x FROM \`t\` WHERE ${IN}`, 'sqlite')).toBeNull();
  });

  it.each([
    ['', /empty/],
    [';', /empty/],
    [';;SELECT a FROM t WHERE a IN (:documentNumbers)', /several statements/],
    ['DELETE FROM t WHERE a IN (:documentNumbers)', /starts with DELETE/],
    ['SELECT a FROM t WHERE a IN (:documentNumbers); DROP TABLE t', /several statements/],
    ['SELECT a INTO copy FROM t WHERE a IN (:documentNumbers)', /INTO/],
    ['WITH d AS (DELETE FROM t RETURNING a) SELECT a FROM d WHERE a IN (:documentNumbers)', /DELETE/],
    ['SELECT a FROM t', /does not use :documentNumbers/],
    ["SELECT a FROM t WHERE b = ':documentNumbers'", /does not use :documentNumbers/],
    ['EXEC sp_who', /starts with EXEC/],
    ["SELECT a FROM t WHERE a IN (:documentNumbers) AND b = 'unclosed", /string that is never closed/],
    ['SELECT a FROM t WHERE (a IN (:documentNumbers)', /parentheses/],
  ])('refuses %j in every dialect', (sql, why) => {
    for (const dialect of DIALECTS) expect(readOnlyProblem(sql, dialect), dialect).toMatch(why);
  });

  describe('statements hidden from a reading that is not the server\'s', () => {
    it.each(DIALECTS)("a ';' behind '--' inside a string (%s)", (dialect) => {
      expect(readOnlyProblem(`SELECT a FROM t WHERE ${IN} AND b = '--'; DELETE FROM t`, dialect)).toMatch(/several statements/);
    });

    it('MySQL executable comments are code', () => {
      expect(readOnlyProblem(`SELECT a FROM t WHERE ${IN} /*!; DELETE FROM t */`, 'mysql')).toMatch(/several statements/);
      expect(readOnlyProblem(`SELECT a FROM t WHERE ${IN} /*!50000 UNION SELECT b INTO OUTFILE '/tmp/x' FROM u */`, 'mysql')).toMatch(/INTO/);
      expect(readOnlyProblem(`SELECT a FROM t WHERE ${IN} /*M!100100 ; DROP TABLE t */`, 'mysql')).toMatch(/several statements/);
    });

    it("MySQL's backslash-escaped quote, and a server that reads backslashes as plain characters", () => {
      // With backslash escapes the string runs to the second quote, and `; DELETE` is code.
      expect(readOnlyProblem(`SELECT a FROM t WHERE ${IN} AND b = 'x\\' AND c = ' ; DELETE FROM t # '`, 'mysql')).toMatch(/several statements/);
      // In NO_BACKSLASH_ESCAPES mode the first string ends at the backslash.
      expect(readOnlyProblem(`SELECT a FROM t WHERE ${IN} AND b = 'x\\'; DELETE FROM t; SELECT \\''`, 'mysql')).toMatch(/several statements/);
      expect(readOnlyProblem(`SELECT a FROM t WHERE ${IN} AND b = "x\\" AND c = " ; DELETE FROM t # "`, 'mysql')).toMatch(/several statements/);
    });

    it("MySQL's `#` comment and its `--` that needs a space", () => {
      expect(readOnlyProblem(`SELECT a FROM t WHERE ${IN} # it's\n; DELETE FROM t -- '`, 'mysql')).toMatch(/several statements/);
      expect(readOnlyProblem(`SELECT a FROM t WHERE ${IN} AND b = 1 --1; DELETE FROM t`, 'mysql')).toMatch(/several statements/);
    });

    it("SQL Server's and SQLite's bracketed names holding a quote", () => {
      for (const dialect of ['mssql', 'sqlite'] as const) {
        expect(readOnlyProblem(`SELECT [a'b] AS x FROM t WHERE ${IN}; DELETE FROM t; SELECT [c'd] AS y`, dialect)).toMatch(/several statements/);
      }
      expect(readOnlyProblem(`SELECT [a]]'b] AS x FROM t WHERE ${IN}; DELETE FROM t; SELECT [c'd] AS y`, 'mssql')).toMatch(/several statements/);
    });

    it("PostgreSQL's dollar quoting, and its E'' strings", () => {
      expect(readOnlyProblem(`SELECT $q$ ' $q$ AS a FROM t WHERE ${IN}; DELETE FROM t; SELECT $q$ ' $q$`, 'postgres')).toMatch(/several statements/);
      expect(readOnlyProblem(`SELECT $$ ' $$ AS a FROM t WHERE ${IN}; DELETE FROM t; SELECT $$ ' $$`, 'postgres')).toMatch(/several statements/);
      expect(readOnlyProblem(`SELECT E'\\'' AS a FROM t WHERE ${IN}; DELETE FROM t; SELECT ''''`, 'postgres')).toMatch(/several statements/);
    });

    it('nested block comments where the server nests them, and not where it does not', () => {
      const sql = `SELECT a FROM t WHERE ${IN} /* outer /* inner */ ; DELETE FROM t; */`;
      expect(readOnlyProblem(sql, 'postgres')).toBeNull();
      expect(readOnlyProblem(sql, 'mssql')).toBeNull();
      expect(readOnlyProblem(sql, 'mysql')).toMatch(/several statements/);
      expect(readOnlyProblem(sql, 'sqlite')).toMatch(/several statements/);
    });
  });

  describe('SQL Server: a second statement without any ;', () => {
    it.each([
      [`SELECT a FROM t WHERE ${IN} SHUTDOWN WITH NOWAIT`, /SHUTDOWN begins one of its own/],
      [`SELECT a FROM t WHERE ${IN} DECLARE @x int`, /DECLARE/],
      [`SELECT a FROM t WHERE ${IN} SET @x = 1`, /SET/],
      [`SELECT a FROM t WHERE ${IN} WAITFOR DELAY '00:10'`, /WAITFOR/],
      [`SELECT a FROM t WHERE ${IN} BACKUP DATABASE erp TO DISK = 'x'`, /BACKUP/],
      [`SELECT a FROM t WHERE ${IN} SELECT b FROM u`, /a SELECT follows/],
      [`SELECT a FROM (SELECT 1 AS a) s WHERE ${IN} SELECT b FROM u`, /a SELECT follows/],
      [`SELECT (1) AS a WHERE ${IN} SELECT b FROM u`, /a SELECT follows/],
      [`WITH x AS (SELECT 1 AS a) SELECT a FROM x WHERE ${IN} SELECT b FROM u`, /a SELECT follows/],
      [`SELECT a FROM t WHERE ${IN} DELETE FROM t`, /DELETE/],
      [`SELECT a FROM t WHERE ${IN} EXEC sp_who`, /EXEC/],
      [`SELECT a FROM OPENQUERY(other, 'DELETE FROM t') WHERE ${IN}`, /OPENQUERY/],
    ])('%j', (sql, why) => {
      expect(readOnlyProblem(sql, 'mssql')).toMatch(why);
    });
  });

  describe('the queries the templates and the demo ship', () => {
    const templates = path.join(process.cwd(), 'mappings', 'templates');
    const shipped: [string, SqlDialect, string][] = [];
    for (const file of readdirSync(templates).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(path.join(templates, file), 'utf8');
      const source = (parse(text) as { source: { type: string; query?: string } }).source;
      if (typeof source.query === 'string') shipped.push([file, source.type as SqlDialect, source.query]);
      // The commented examples of several companies, as an integrator uncomments them.
      const uncommented = text.split('\n').filter((l) => l.startsWith('#   ')).map((l) => l.slice(1)).join('\n');
      for (const m of uncommented.matchAll(/query: \|\n((?: {8}.*\n?)+)/g)) shipped.push([`${file} (a company)`, source.type as SqlDialect, m[1]!]);
    }
    const demo = (parse(demoMappingYaml({ schemaRef: 'x', baseUrl: 'http://127.0.0.1:1', clientId: 'c' })) as { source: { type: string; query: string } }).source;
    shipped.push(['the demo', demo.type as SqlDialect, demo.query]);

    it('finds them', () => {
      expect(shipped.map(([name]) => name)).toEqual(expect.arrayContaining(['sage100.yaml', 'sap-business-one.yaml', 'odoo.yaml', 'dolibarr.yaml', 'erpnext.yaml', 'dolibarr.yaml (a company)', 'odoo.yaml (a company)', 'erpnext.yaml (a company)', 'the demo']));
    });

    it.each(shipped)('accepts %s', (_name, dialect, sql) => {
      expect(readOnlyProblem(sql, dialect)).toBeNull();
    });
  });
});
