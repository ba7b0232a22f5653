// knex ships no types for its dialects' modules; SqliteClient extends this one.
declare module 'knex/lib/dialects/better-sqlite3/index.js' {
  import type { Knex } from 'knex';

  interface QueryObject {
    sql: string;
    bindings?: unknown[];
    response?: unknown;
    context?: { lastID: unknown; changes: unknown };
  }

  class Client_BetterSQLite3 extends Knex.Client {
    connectionSettings: { filename: string; options?: { readonly?: boolean } };
    _driver(): unknown;
    _query(connection: unknown, obj: QueryObject): Promise<QueryObject>;
    _formatBindings(bindings: unknown[] | undefined): unknown[];
  }
  export = Client_BetterSQLite3;
}
