import { describe, expect, it } from 'vitest';
import { readOnlyProblem } from '../../adapters/database/sql-guard.js';

describe('readOnlyProblem', () => {
  it.each([
    'SELECT ref AS documentNumber FROM llx_facture WHERE ref IN (:documentNumbers)',
    'select a from t where upper(a) in (:normalizedNumbers);',
    "WITH x AS (SELECT a FROM t) SELECT a FROM x WHERE a IN (:documentNumbers) AND note <> 'drop; delete'",
    '-- comment\n(SELECT a FROM t WHERE a IN (:documentNumbers))',
  ])('accepts %j', (sql) => {
    expect(readOnlyProblem(sql)).toBeNull();
  });

  it.each([
    ['', /empty/],
    ['DELETE FROM t WHERE a IN (:documentNumbers)', /starts with DELETE/],
    ['SELECT a FROM t WHERE a IN (:documentNumbers); DROP TABLE t', /several statements/],
    ['SELECT a INTO copy FROM t WHERE a IN (:documentNumbers)', /INTO/],
    ['WITH d AS (DELETE FROM t RETURNING a) SELECT a FROM d WHERE a IN (:documentNumbers)', /DELETE/],
    ['SELECT a FROM t', /does not use :documentNumbers/],
    ['EXEC sp_who', /starts with EXEC/],
  ])('refuses %j', (sql, why) => {
    expect(readOnlyProblem(sql)).toMatch(why);
  });
});
