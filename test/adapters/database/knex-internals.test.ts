// What the adapters use of knex beyond its documentation: the better-sqlite3 dialect that
// SqliteClient extends (adapters/database/sqlite-knex-client.ts), and the Client's
// acquireConnection/releaseConnection that readOnlyOnConnection holds a connection with
// (adapters/database/knex-source.ts). A knex version that renames them, or stops calling them,
// fails here, on SQLite, without a server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import Client_BetterSQLite3 from 'knex/lib/dialects/better-sqlite3/index.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readOnlyOnConnection, sqlDialectOf } from '../../../adapters/database/knex-source.js';
import { openSqlite, type SqliteDatabase } from '../../../adapters/database/sqlite-driver.js';
import { SqliteClient } from '../../../adapters/database/sqlite-knex-client.js';

let dir: string;
let file: string;
const open: Knex[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'knex-internals-'));
  file = path.join(dir, 'erp.sqlite');
  const db = await openSqlite(file, { create: true });
  db.exec("CREATE TABLE docs (piece TEXT, file TEXT); INSERT INTO docs VALUES ('FA1', 'a.pdf')");
  db.close();
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const db of open.splice(0)) await db.destroy();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const connect = () => {
  const db = knexFactory({ client: SqliteClient, connection: { filename: file, options: { readonly: true } }, pool: { min: 0, max: 1 }, useNullAsDefault: true });
  open.push(db);
  return db;
};

describe("knex's better-sqlite3 dialect, as SqliteClient extends it", () => {
  it('still has the methods SqliteClient replaces or calls, and its driver name', () => {
    const proto = Client_BetterSQLite3.prototype as unknown as Record<string, unknown>;
    for (const method of ['_driver', 'acquireRawConnection', 'destroyRawConnection', '_query', '_formatBindings']) {
      expect(typeof proto[method], `knex's better-sqlite3 dialect has no ${method}()`).toBe('function');
    }
    expect(sqlDialectOf(SqliteClient)).toBe('sqlite');
  });

  it("runs a query through SqliteClient's own methods", async () => {
    const calls = (['_driver', 'acquireRawConnection', '_query', 'destroyRawConnection'] as const).map((m) => [m, vi.spyOn(SqliteClient.prototype, m)] as const);
    const db = connect();
    // node:sqlite refuses a boolean: only knex's _formatBindings turns it into 1.
    expect(await db.raw('SELECT piece, ? AS found FROM docs WHERE piece = ?', [true, 'FA1'])).toEqual([{ piece: 'FA1', found: 1 }]);
    await db.destroy();
    open.length = 0;
    for (const [method, spy] of calls) expect(spy, `knex no longer calls ${method}()`).toHaveBeenCalled();
  });
});

describe("knex's Client.acquireConnection and releaseConnection, as readOnlyOnConnection holds a connection", () => {
  const send = async (conn: SqliteDatabase, sql: string, values?: readonly unknown[]) => {
    const statement = conn.prepare(sql);
    return statement.reader ? statement.all(...(values ?? [])) : statement.run(...(values ?? []));
  };
  const pool = (db: Knex) => (db.client as Knex.Client).pool as unknown as { numUsed(): number; numFree(): number };

  it("hand over one of the pool's connections, the driver's own, and take it back", async () => {
    const db = connect();
    let held: unknown;
    const rows = await readOnlyOnConnection<SqliteDatabase>(db, 'BEGIN', async (conn, sql, values) => ((held = conn), send(conn, sql, values)), { sql: 'SELECT file FROM docs WHERE piece = ?', bindings: ['FA1'] });
    expect(rows).toEqual([{ file: 'a.pdf' }]);
    expect(typeof (held as SqliteDatabase).prepare).toBe('function');
    expect(pool(db).numUsed()).toBe(0);
    expect(pool(db).numFree()).toBe(1);
  });

  it('take the connection back after a failed statement, its transaction rolled back', async () => {
    const db = connect();
    await expect(readOnlyOnConnection<SqliteDatabase>(db, 'BEGIN', send, { sql: 'SELECT nothing FROM docs', bindings: [] })).rejects.toThrow(/nothing/);
    expect(pool(db).numUsed()).toBe(0);
    // The same connection again: BEGIN would fail inside a transaction left open.
    expect(await readOnlyOnConnection<SqliteDatabase>(db, 'BEGIN', send, { sql: 'SELECT count(*) AS n FROM docs', bindings: [] })).toEqual([{ n: 1 }]);
  });
});
