// Each adapter checks the mapping file's query as its own database reads SQL, before connecting:
// a statement hidden in what another database would take for a string is refused.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseStoreAdapter } from '../../../adapters/database/blob-store.js';
import { QueryRefusedError } from '../../../adapters/database/knex-source.js';
import { mssqlAdapter } from '../../../adapters/database/mssql.js';
import { mysqlAdapter } from '../../../adapters/database/mysql.js';
import { postgresAdapter } from '../../../adapters/database/postgres.js';
import { sqliteAdapter } from '../../../adapters/database/sqlite.js';
import { AdapterConfigError } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';

const ctx = { baseDir: process.cwd(), log: silentLogger };
// Nothing listens there: a query that passes the guard fails on connecting instead.
const server = { host: '127.0.0.1', port: 9, database: 'erp', user: 'reader', connectTimeoutSeconds: 1 };
const IN = 'a IN (:documentNumbers)';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'guard-dialects-'));
  await writeFile(path.join(dir, 'erp.sqlite'), '');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('each adapter reads the query in its own SQL', () => {
  it('PostgreSQL: dollar quoting', async () => {
    const sql = `SELECT $q$ ' $q$ AS a FROM t WHERE ${IN}; DELETE FROM t; SELECT $q$ ' $q$`;
    await expect(postgresAdapter.open(postgresAdapter.optionsSchema.parse(server), { sql }, ctx)).rejects.toThrow(QueryRefusedError);
  });

  it('MySQL/MariaDB: executable comments', async () => {
    const sql = `SELECT a FROM t WHERE ${IN} /*!; DELETE FROM t */`;
    await expect(mysqlAdapter.open(mysqlAdapter.optionsSchema.parse(server), { sql }, ctx)).rejects.toThrow(QueryRefusedError);
  });

  it('SQL Server: a bracketed name holding a quote, and a second statement without ;', async () => {
    const options = mssqlAdapter.optionsSchema.parse(server);
    await expect(mssqlAdapter.open(options, { sql: `SELECT [a'b] AS x FROM t WHERE ${IN}; DELETE FROM t; SELECT [c'd] AS y` }, ctx)).rejects.toThrow(QueryRefusedError);
    await expect(mssqlAdapter.open(options, { sql: `SELECT a FROM t WHERE ${IN} SHUTDOWN` }, ctx)).rejects.toThrow(/SHUTDOWN begins one of its own/);
    await expect(mssqlAdapter.open(options, { table: { name: 't', columns: { documentNumber: 'a' }, numberColumn: 'a', where: 'b = 1 WAITFOR DELAY \'1:00\'' } }, ctx)).rejects.toThrow(/WAITFOR/);
  });

  it('SQLite: bracketed names', async () => {
    const sql = `SELECT [a'b] AS x FROM t WHERE ${IN}; DELETE FROM t; SELECT [c'd] AS y`;
    await expect(sqliteAdapter.open({ path: path.join(dir, 'erp.sqlite') }, { sql }, ctx)).rejects.toThrow(QueryRefusedError);
  });

  it('a query another database would refuse passes its own: a PostgreSQL dollar-quoted string holding a quote', async () => {
    const sql = `SELECT a, $$it's$$ AS note FROM t WHERE ${IN}`;
    const e = await postgresAdapter.open(postgresAdapter.optionsSchema.parse(server), { sql }, ctx).catch((x: Error) => x);
    expect(e).not.toBeInstanceOf(QueryRefusedError);
  });

  it('the database document store: the source\'s SQL', async () => {
    const source = { type: 'mysql', ...server, query: `SELECT a FROM t WHERE ${IN}`, documentNumberColumn: 'a', pathColumn: 'a' };
    const e = await databaseStoreAdapter.open({ query: 'SELECT c AS content FROM d WHERE id = :path /*!; DELETE FROM d */', chunkKiB: 1024, connections: 1 }, { ...ctx, source }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(AdapterConfigError);
    expect((e as Error).message).toMatch(/^documents\.query refused: the query holds several statements/);
  });
});
