// Each batch's statement comes from a cache of statements compiled once per batch size: it must
// be exactly what knex compiles for that batch, for every dialect and query form.
import { describe, expect, it } from 'vitest';
import { KnexSource, createKnex } from '../../../adapters/database/knex-source.js';
import { mssqlDialect } from '../../../adapters/database/mssql.js';
import { mysqlDialect } from '../../../adapters/database/mysql.js';
import { postgresDialect } from '../../../adapters/database/postgres.js';
import type { LookupBatch, SourceQuery } from '../../../adapters/types.js';

const target = { engine: 'test', host: 'db', port: 1, database: 'erp', user: 'u' } as never;
const dialects = { pg: postgresDialect(target), mysql2: mysqlDialect(target), mssql: mssqlDialect(target) };
const queries: Record<string, SourceQuery> = {
  'both lists, one twice': { sql: 'SELECT n AS documentNumber, p AS path FROM t\nWHERE n IN (:documentNumbers) OR UPPER(n) IN (:normalizedNumbers) OR m IN (:documentNumbers)' },
  'table form with a where': { table: { name: 'invoices', columns: { documentNumber: 'number', path: 'pdf' }, numberColumn: 'number', where: "kind = 'F'" } },
};
const batch = (tag: string, size: number): LookupBatch => ({
  documentNumbers: Array.from({ length: size }, (_, i) => `${tag}-${i}`),
  normalizedNumbers: Array.from({ length: size }, (_, i) => `${tag.toUpperCase()}-${i}`),
});

describe.each(Object.entries(dialects))('statements compiled once per batch size (%s)', (client, dialect) => {
  it.each(Object.entries(queries))('%s: the same SQL and values as compiling each batch', (_name, query) => {
    const source = new KnexSource(createKnex({ client }), query, dialect);
    for (const b of [batch('fa', 3), batch('av', 3), batch('x', 1), batch('fb', 3), batch('\u0000d0', 2)]) {
      const expected = source.compile(b).toSQL().toNative();
      expect(source.native(b)).toEqual({ sql: expected.sql, bindings: expected.bindings });
    }
  });
});
