import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AdapterConfigError, type DatabaseAdapter } from '../types.js';
import { KnexSource, checkQuery, createKnex } from './knex-source.js';

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
    });
    await db.raw('select 1');
    // SQLite allows 32,766 host parameters; a query may bind both lists.
    return new KnexSource(db, query, 16_000);
  },
};
