import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AdapterConfigError, type DatabaseAdapter } from '../types.js';
import { queryFailed } from './errors.js';
import { KnexSource, checkQuery, createKnex, quietLog, type Dialect } from './knex-source.js';

const SqliteOptions = z
  .object({
    path: z.string().min(1).describe('SQLite database file, relative to the mapping file or absolute.'),
  })
  .strict();

export const sqliteAdapter: DatabaseAdapter<z.output<typeof SqliteOptions>> = {
  type: 'sqlite',
  description: 'SQLite database file, opened read-only.',
  optionsSchema: SqliteOptions,
  async open(options, query, ctx) {
    checkQuery(query);
    const filename = path.resolve(ctx.baseDir, options.path);
    // better-sqlite3 would create a missing file; a missing database is a configuration error.
    await access(filename).catch(() => {
      throw new AdapterConfigError(`source.path: the SQLite database ${filename} does not exist or cannot be read.`);
    });
    const db = createKnex({
      client: 'better-sqlite3',
      connection: { filename, options: { readonly: true } },
      useNullAsDefault: true,
      pool: { min: 1, max: 1 },
      log: quietLog(ctx),
    });
    await db.raw('select 1');
    return new KnexSource(db, query, sqliteDialect(filename));
  },
};

function sqliteDialect(filename: string): Dialect {
  const target = { engine: 'SQLite', database: filename };
  return {
    // SQLite allows 32,766 host parameters (999 in builds older than 3.32).
    maxParameters: 32_000,
    explain: (e, sql) => ((e as { code?: unknown }).code && String((e as { code?: unknown }).code).startsWith('SQLITE_') ? queryFailed(target, e, sql, undefined) : (e as Error)),
  };
}
