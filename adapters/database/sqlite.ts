import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AdapterConfigError, type AdapterContext, type DatabaseAdapter } from '../types.js';
import { DatabaseUnreachableError, lineNaming, queryFailed } from './errors.js';
import { checkQuery, openKnexSource, type Dialect, type KnexSettings } from './knex-source.js';
import { BUSY_TIMEOUT_MS } from './sqlite-driver.js';
import { SqliteClient } from './sqlite-knex-client.js';
import { windowsOnlyPath } from '../windows-path.js';

const SqliteOptions = z
  .object({
    path: z.string().min(1).describe('SQLite database file, relative to the mapping file or absolute; opened read-only (a missing file is an error, never created).'),
  })
  .strict();

type Options = z.output<typeof SqliteOptions>;

/** Refuses a Windows path on a machine that cannot open it, as documents.root does; null when it can be tried. */
export function databasePathProblem(file: string, platform: NodeJS.Platform): string | null {
  const form = windowsOnlyPath(file, platform);
  if (form === 'share') {
    return (
      `source.path "${file}" is a file on a Windows share, which this ${platform} machine cannot open by that name. ` +
      'Mount the share and give the file\'s path under the mount folder, or copy the database to this machine.'
    );
  }
  if (form === 'drive') {
    return `source.path "${file}" is a Windows drive path; on this ${platform} machine give the path of the database file on this machine.`;
  }
  return null;
}

export async function sqliteSettings(options: Options, ctx: AdapterContext): Promise<KnexSettings> {
  const problem = databasePathProblem(options.path, process.platform);
  if (problem) throw new AdapterConfigError(problem);
  const filename = path.resolve(ctx.baseDir, options.path);
  // A missing database is a configuration error, told with the key to correct.
  await access(filename).catch(() => {
    throw new AdapterConfigError(`source.path: the SQLite database ${filename} does not exist or cannot be read.`);
  });
  return {
    // node:sqlite where Node has it (the single executable), better-sqlite3 otherwise.
    client: SqliteClient,
    connection: { filename, options: { readonly: true } },
    connectTimeoutSeconds: 15,
    target: { engine: 'SQLite', database: filename },
    dialect: sqliteDialect(filename),
  };
}

export const sqliteAdapter: DatabaseAdapter<Options> = {
  type: 'sqlite',
  description: 'SQLite database file, opened read-only.',
  optionsSchema: SqliteOptions,
  async open(options, query, ctx) {
    checkQuery(query, 'sqlite');
    return openKnexSource(await sqliteSettings(options, ctx), query, ctx);
  },
};

function sqliteDialect(filename: string): Dialect {
  const target = { engine: 'SQLite', database: filename };
  return {
    // SQLite allows 32,766 host parameters (999 in builds older than 3.32).
    maxParameters: 32_000,
    blob: { size: (column) => `length(${column})`, slice: (column) => `substr(${column}, :offset, :length)` },
    // Opened read-only, the file cannot be written through this connection whatever the account
    // may do to the file: no writeAccess.
    versionSql: "SELECT 'SQLite ' || sqlite_version()",
    explain: (e, sql) => {
      const code = String((e as { code?: unknown }).code ?? '');
      // Another program (the ERP itself) holds a write lock past the driver's wait: an outage the
      // next run rides out, not a query to correct.
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
        return new DatabaseUnreachableError(
          `the SQLite database ${filename} stayed locked by another program (${code}) for more than ${BUSY_TIMEOUT_MS / 1000} s, probably the ERP writing to it; the next run tries again. If it happens every night, schedule the run outside the ERP's own jobs.`,
          { cause: e },
        );
      }
      return code.startsWith('SQLITE_') ? queryFailed(target, e, sql, lineOf(sql, String((e as Error).message))) : (e as Error);
    },
  };
}

// SQLite tells no line: the line is the one naming what it did not find ("no such column: numbr")
// or the word it stopped at ('near "FORM": syntax error').
function lineOf(sql: string | undefined, message: string): number | undefined {
  const name = /no such (?:column|table|function): (\S+)/.exec(message)?.[1] ?? /near "([^"]+)"/.exec(message)?.[1];
  return name ? lineNaming(sql, `'${name}'`) : undefined;
}
