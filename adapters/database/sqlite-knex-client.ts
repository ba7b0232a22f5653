// knex's better-sqlite3 dialect, run on whichever SQLite driver this Node.js has (see
// sqlite-driver.ts): the SQL knex compiles is the same, only the connection differs. knex does
// not publish that dialect's module nor its underscored methods (_driver, _query, _formatBindings);
// this is the one module that reaches them, and test/adapters/database/knex-internals.test.ts
// fails if a knex version renames or stops calling them.
import Client_BetterSQLite3 from 'knex/lib/dialects/better-sqlite3/index.js';
import { openSqlite, type SqliteDatabase } from './sqlite-driver.js';

export class SqliteClient extends Client_BetterSQLite3 {
  // knex loads its driver when the client is made, synchronously; the driver here is chosen and
  // loaded when the first connection opens.
  override _driver(): unknown {
    return null;
  }

  override acquireRawConnection(): Promise<SqliteDatabase> {
    const { filename, options } = this.connectionSettings;
    return openSqlite(filename, { readOnly: !!options?.readonly });
  }

  override async destroyRawConnection(connection: SqliteDatabase): Promise<void> {
    connection.close();
  }

  override async _query(connection: SqliteDatabase, obj: Parameters<Client_BetterSQLite3['_query']>[1]) {
    if (!obj.sql) throw new Error('The query is empty');
    const statement = connection.prepare(obj.sql);
    const bindings = this._formatBindings(obj.bindings);
    if (statement.reader) {
      obj.response = statement.all(...bindings);
      return obj;
    }
    const response = statement.run(...bindings);
    obj.response = response;
    obj.context = { lastID: response.lastInsertRowid, changes: response.changes };
    return obj;
  }
}
