// Shared by every knex-backed database adapter: one query per batch with the numbers bound as
// list parameters, never interpolated. knex does not expand an array bound to `:name`, so each
// list is bound as a nested raw of `?, ?, ...` with its values.
import knexFactory, { type Knex } from 'knex';
import { AdapterConfigError, type AdapterContext, type DatabaseSource, type LookupBatch, type SourceQuery, type SourceRow, type TableQuery } from '../types.js';
import { where, type Target } from './errors.js';
import { readOnlyProblem, type SqlDialect } from './sql-guard.js';

export class QueryRefusedError extends AdapterConfigError {
  override readonly name: string = 'QueryRefusedError';
}

const LISTS = /:(documentNumbers|normalizedNumbers)\b/g;

/** What differs between databases for a look-up. */
export interface Dialect {
  /** Most values one statement may bind (SQL Server: 2,098 of its 2,100, sp_executesql taking 2; PostgreSQL, MySQL: 65,535). */
  maxParameters: number;
  /**
   * Turns a driver error into one a person can act on. `sql` is the query as the mapping file
   * writes it, `sent` the statement as the driver sent it (lists expanded, on the same lines).
   */
  explain(error: unknown, sql?: string, sent?: string): Error;
  /**
   * Runs a compiled statement itself, in a transaction begun READ ONLY (PostgreSQL, MySQL/MariaDB:
   * readOnlyOnConnection). Without it (SQLite, SQL Server, which have no such transaction) knex
   * runs the statement.
   */
  run?(db: Knex, statement: Knex.SqlNative): Promise<unknown[]>;
  /** SQL giving the size in bytes of a binary column, and a slice of it from :offset (1-based) of :length bytes. */
  blob: { size(column: string): string; slice(column: string): string };
  /** SQL answering one row of one column: the server's product and version (`check`). */
  versionSql?: string;
  /** What the account may change, or null when it can only read (`check`; see DatabaseSource.canWrite). */
  writeAccess?(db: Knex): Promise<string | null>;
}

export function checkQuery(query: SourceQuery, dialect: SqlDialect): void {
  const problem = 'sql' in query ? readOnlyProblem(query.sql, dialect) : tableQueryProblem(query.table, dialect);
  if (problem) throw new QueryRefusedError(`source.query refused: ${problem}.`);
}

function tableQueryProblem(table: TableQuery, dialect: SqlDialect): string | null {
  // The condition is the only raw SQL of the table form: check it inside the statement it joins.
  if (table.where === undefined) return null;
  return readOnlyProblem(`SELECT 1 FROM t WHERE (${table.where}) AND n IN (:documentNumbers)`, dialect);
}

/** Values a batch may hold so that the statement stays under the database's parameter limit. */
export function batchLimit(query: SourceQuery, maxParameters: number): number {
  const lists = 'sql' in query ? Math.max(1, query.sql.match(LISTS)?.length ?? 0) : 1;
  return Math.max(1, Math.floor(maxParameters / lists));
}

export class KnexSource implements DatabaseSource {
  readonly maxBatchSize: number;

  constructor(
    private readonly db: Knex,
    private readonly query: SourceQuery,
    private readonly dialect: Dialect,
  ) {
    this.maxBatchSize = batchLimit(query, dialect.maxParameters);
  }

  /** The statement one batch runs, for tests that cannot reach the database (SQL Server). */
  compile(batch: LookupBatch, db: Knex = this.db): Knex.Raw | Knex.QueryBuilder {
    if ('table' in this.query) {
      const { name, columns, numberColumn, where } = this.query.table;
      const select = db.select(columns).from(name).whereIn(numberColumn, batch.documentNumbers);
      return where ? select.andWhereRaw(`(${where})`) : select;
    }
    const bindings = { documentNumbers: list(db, batch.documentNumbers), normalizedNumbers: list(db, batch.normalizedNumbers) };
    return db.raw(this.query.sql, bindings);
  }

  async lookup(batch: LookupBatch): Promise<SourceRow[]> {
    const sql = 'sql' in this.query ? this.query.sql : undefined;
    if (this.dialect.run) return runNative(this.dialect.run, this.db, this.dialect, this.native(batch), sql);
    return runReadOnly(this.db, this.dialect, (db) => this.compile(batch, db), sql);
  }

  // knex formats a statement of thousands of values in milliseconds, each batch anew, and all
  // batches but the last have the same size: the statement is compiled once per size, with
  // markers for values, and each batch's values are put where the markers came out.
  private readonly shapes = new Map<string, { sql: string; slots: readonly (readonly [list: keyof LookupBatch | null, index: number, value: unknown])[] }>();

  native(batch: LookupBatch): Knex.SqlNative {
    const key = `${batch.documentNumbers.length}/${batch.normalizedNumbers.length}`;
    let shape = this.shapes.get(key);
    if (!shape) {
      const marked = (list: string[], tag: string) => list.map((_, i) => `\u0000${tag}${i}`);
      const compiled = this.compile({ documentNumbers: marked(batch.documentNumbers, 'd'), normalizedNumbers: marked(batch.normalizedNumbers, 'n') }).toSQL().toNative();
      const slots = compiled.bindings.map((value) => {
        const m = typeof value === 'string' ? /^\u0000([dn])(\d+)$/.exec(value) : null;
        return m ? ([m[1] === 'd' ? 'documentNumbers' : 'normalizedNumbers', Number(m[2]), null] as const) : ([null, 0, value] as const);
      });
      shape = { sql: compiled.sql, slots };
      this.shapes.set(key, shape);
    }
    return { sql: shape.sql, bindings: shape.slots.map(([list, i, value]) => (list ? batch[list][i]! : value)) as Knex.Value[] };
  }

  async serverVersion(): Promise<string> {
    const versionSql = this.dialect.versionSql;
    if (!versionSql) return 'unknown';
    const rows = await runReadOnly<SourceRow>(this.db, this.dialect, (db) => db.raw(versionSql), undefined);
    const value = rows[0] ? Object.values(rows[0])[0] : undefined;
    return value === undefined || value === null ? 'unknown' : String(value).split('\n')[0]!.trim();
  }

  async canWrite(): Promise<string | null> {
    if (!this.dialect.writeAccess) return null;
    try {
      return await this.dialect.writeAccess(this.db);
    } catch (e) {
      throw this.dialect.explain(e);
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/**
 * Runs a statement in a transaction begun READ ONLY where the database has them, whatever an
 * earlier statement did to the session's default (a query may call set_config()).
 */
export async function runReadOnly<T = SourceRow>(
  db: Knex,
  dialect: Dialect,
  build: (db: Knex) => Knex.Raw | Knex.QueryBuilder,
  sql: string | undefined,
): Promise<T[]> {
  if (dialect.run) return runNative<T>(dialect.run, db, dialect, build(db).toSQL().toNative(), sql);
  return runExplained<T>(build(db), dialect, sql);
}

/**
 * Sends a compiled statement on a connection of the pool, in a transaction begun READ ONLY
 * (`begin` as the database writes it); `send` is the driver's own call.
 */
export async function readOnlyOnConnection<C>(
  db: Knex,
  begin: string,
  send: (conn: C, sql: string, values?: readonly unknown[]) => Promise<unknown>,
  { sql, bindings }: Knex.SqlNative,
): Promise<unknown[]> {
  // knex's types declare these two on its Client, its documentation does not:
  // test/adapters/database/knex-internals.test.ts fails if a version changes them.
  const client = db.client as Knex.Client;
  const conn = (await client.acquireConnection()) as C;
  try {
    await send(conn, begin);
    try {
      const rows = await send(conn, sql, bindings);
      await send(conn, 'COMMIT');
      return rows as unknown[];
    } catch (e) {
      await send(conn, 'ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    await client.releaseConnection(conn);
  }
}

async function runNative<T>(run: NonNullable<Dialect['run']>, db: Knex, dialect: Dialect, statement: Knex.SqlNative, sql: string | undefined): Promise<T[]> {
  try {
    return (await run(db, statement)) as T[];
  } catch (e) {
    throw dialect.explain(e, sql ?? statement.sql, statement.sql);
  }
}

/** Runs a statement; a failure comes back explained, pointing at the line of `sql` (the mapping file's query). */
export async function runExplained<T = SourceRow>(statement: Knex.Raw | Knex.QueryBuilder, dialect: Dialect, sql: string | undefined): Promise<T[]> {
  try {
    return rowsOf<T>(await statement);
  } catch (e) {
    const sent = statement.toSQL().toNative().sql;
    // knex puts the whole statement before the database's message; with thousands of
    // placeholders it would bury it.
    if (e instanceof Error && e.message.startsWith(`${sent} - `)) e.message = e.message.slice(sent.length + 3);
    throw dialect.explain(e, sql ?? sent, sent);
  }
}

function list(db: Knex, values: string[]): Knex.Raw {
  // An empty IN () is a syntax error everywhere; a list of one NULL matches nothing.
  if (values.length === 0) return db.raw('NULL');
  return db.raw(values.map(() => '?').join(', '), values);
}

// knex.raw answers in each driver's own shape; a query builder always with rows.
export function rowsOf<T = SourceRow>(result: unknown): T[] {
  if (Array.isArray(result)) {
    // mysql2: [rows, fields]; better-sqlite3 and mssql: rows
    if (result.length === 2 && Array.isArray(result[0]) && Array.isArray(result[1])) return result[0] as T[];
    return result as T[];
  }
  if (result && typeof result === 'object' && Array.isArray((result as { rows?: unknown }).rows)) {
    return (result as { rows: T[] }).rows;
  }
  return [];
}

export function createKnex(config: Knex.Config): Knex {
  return knexFactory(config);
}

/** Opens the pool and runs a first statement, so a wrong host or password fails before any look-up. */
export async function connectOrExplain(db: Knex, dialect: Dialect, probe = 'select 1'): Promise<void> {
  try {
    await db.raw(probe);
  } catch (e) {
    await db.destroy().catch(() => undefined);
    throw dialect.explain(e);
  }
}

/** How an adapter reaches its database through knex, before any query is chosen. */
export interface KnexSettings {
  /** A knex client name, or a Client class (SQLite's, which picks its driver). */
  client: string | typeof Knex.Client;
  connection: Record<string, unknown>;
  afterCreate?: (conn: never, done: (err: Error | null, conn: unknown) => void) => void;
  connectTimeoutSeconds: number;
  target: Target;
  dialect: Dialect;
  /** Run once connected, before any look-up; throws to refuse the account (SQL Server: one that can write). */
  checkAccount?: (db: Knex, ctx: AdapterContext) => Promise<void>;
}

/** A pool and a first statement, so that a wrong host or password fails before any look-up. */
export async function connectKnex(settings: KnexSettings, ctx: AdapterContext, connections = 1): Promise<Knex> {
  const db = createKnex({
    client: settings.client,
    connection: settings.connection as never,
    pool: { min: 0, max: connections, ...(settings.afterCreate ? { afterCreate: settings.afterCreate } : {}) },
    acquireConnectionTimeout: (settings.connectTimeoutSeconds + 5) * 1000,
    // knex puts the failed statement before the database's message, by default with every value
    // written into it; as sent (placeholders), runExplained can take it off again.
    compileSqlOnError: false,
    log: quietLog(ctx),
  });
  await connectOrExplain(db, settings.dialect);
  if (settings.checkAccount) {
    await settings.checkAccount(db, ctx).catch(async (e: unknown) => {
      await db.destroy().catch(() => undefined);
      throw e;
    });
  }
  ctx.log.debug({ host: settings.target.host, database: settings.target.database }, `Connected to ${where(settings.target)}`);
  return db;
}

/** The SQL a knex client's database speaks, as the query guard reads it. */
export function sqlDialectOf(client: string | typeof Knex.Client): SqlDialect {
  // A Client class speaks the SQL of the knex dialect it extends.
  const name = typeof client === 'string' ? client : String(client.prototype.driverName);
  const dialect = ({ pg: 'postgres', mysql2: 'mysql', mssql: 'mssql', 'better-sqlite3': 'sqlite' } as const)[name];
  if (!dialect) throw new Error(`no SQL dialect known for the knex client ${name}`);
  return dialect;
}

/** Two connections: the look-up keeps two batches asked ahead (src/pipeline/lookup.ts). */
export async function openKnexSource(settings: KnexSettings, query: SourceQuery, ctx: AdapterContext): Promise<KnexSource> {
  checkQuery(query, sqlDialectOf(settings.client));
  return new KnexSource(await connectKnex(settings, ctx, 2), query, settings.dialect);
}

/** knex prints pool errors on the console; they are explained once, by `Dialect.explain`. */
export function quietLog(ctx: AdapterContext): Knex.Config['log'] {
  const debug = (message: unknown) => ctx.log.debug({ knex: String(message) }, 'knex');
  return { warn: debug, error: debug, deprecate: debug, debug };
}
