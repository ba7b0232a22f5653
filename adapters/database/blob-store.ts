// Some ERPs keep the PDF itself in the database (a BLOB, bytea or varbinary column: Odoo's
// ir_attachment.db_datas, attachment tables of many French ERPs). This store reads it through the
// source's own connection, in slices of `chunkKiB`, so that a document is streamed rather than
// held whole in memory, whatever the driver does with large values.
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { z } from 'zod';
import { AdapterConfigError, DocumentError, type AdapterContext, type DatabaseAdapter, type DocumentStore, type DocumentStoreAdapter } from '../types.js';
import { DatabaseUnreachableError, QueryFailedError } from './errors.js';
import { connectKnex, runReadOnly, type KnexSettings } from './knex-source.js';
import { mssqlAdapter, mssqlKnexSettings } from './mssql.js';
import { mysqlAdapter, mysqlSettings } from './mysql.js';
import { postgresAdapter, postgresSettings } from './postgres.js';
import { readOnlyProblem, type SqlDialect } from './sql-guard.js';
import { sqliteAdapter, sqliteSettings } from './sqlite.js';

const DatabaseStoreOptions = z
  .object({
    query: z
      .string()
      .min(1)
      .describe(
        'One SELECT returning the PDF of one document in a column named content; :path stands for what the source gave as the path, e.g. SELECT db_datas AS content FROM ir_attachment WHERE id = CAST(:path AS integer).',
      ),
    chunkKiB: z.number().int().min(16).max(16_384).default(1024).describe('Bytes read per query while a document is streamed, in KiB.'),
    connections: z.number().int().min(1).max(8).default(2).describe('Connections opened to read documents at once.'),
  })
  .strict();

type Options = z.output<typeof DatabaseStoreOptions>;

const PATH_BINDING = { pattern: /:path\b/, missing: 'the query does not use :path, so it cannot tell which document to read' };

type Settings = (options: any, ctx: AdapterContext) => Promise<KnexSettings>;
const SOURCES: Record<string, { adapter: DatabaseAdapter<any>; settings: Settings }> = {
  postgres: { adapter: postgresAdapter, settings: postgresSettings },
  mysql: { adapter: mysqlAdapter, settings: mysqlSettings },
  mssql: { adapter: mssqlAdapter, settings: mssqlKnexSettings },
  sqlite: { adapter: sqliteAdapter, settings: sqliteSettings },
};

// Keys of a company's section that leave the connection as it is.
const SAME_CONNECTION = new Set(['query', 'batchSize']);

export const databaseStoreAdapter: DocumentStoreAdapter<Options> = {
  type: 'database',
  description: 'The PDFs are in the accounting database itself (BLOB, bytea, varbinary), read through the source\'s connection.',
  optionsSchema: DatabaseStoreOptions,
  async open(options, ctx) {
    const section = ctx.source;
    const kind = section ? SOURCES[section.type] : undefined;
    if (!section || !kind) {
      throw new AdapterConfigError(
        `documents.type database reads the PDFs through the source's connection, so source.type must be ${Object.keys(SOURCES).join(', ')} (it is ${section?.type ?? 'missing'}).`,
      );
    }
    const problem = readOnlyProblem(options.query, section.type as SqlDialect, PATH_BINDING);
    if (problem) throw new AdapterConfigError(`documents.query refused: ${problem}.`);
    const companies = (section['companies'] ?? {}) as Record<string, Record<string, unknown>>;
    const moved = Object.entries(companies).find(([, keys]) => Object.keys(keys).some((k) => !SAME_CONNECTION.has(k)));
    if (moved) {
      throw new AdapterConfigError(
        `documents.type database reads every PDF through source's own connection, but source.companies.${moved[0]} connects elsewhere; keep the companies in one database (their own query each) or use another document store.`,
      );
    }
    const shape = (kind.adapter.optionsSchema as unknown as { shape: Record<string, unknown> }).shape;
    const sourceOptions = kind.adapter.optionsSchema.parse(Object.fromEntries(Object.entries(section).filter(([k]) => k in shape)));
    const settings = await kind.settings(sourceOptions, ctx);
    const db = await connectKnex(settings, ctx, options.connections);
    return new DatabaseStore(db, settings, options);
  },
};

class DatabaseStore implements DocumentStore {
  constructor(
    private readonly db: Knex,
    private readonly settings: KnexSettings,
    private readonly options: Options,
  ) {}

  get description(): string {
    const t = this.settings.target;
    return `the ${t.engine} database ${t.database ?? ''}${t.host ? ` at ${t.host}` : ''}`.trim();
  }

  async stat(path: string) {
    return { size: await this.size(path) };
  }

  async open(path: string): Promise<Readable> {
    const size = await this.size(path);
    const chunk = this.options.chunkKiB * 1024;
    const slice = (offset: number) => this.read<{ chunk: unknown }>(path, `SELECT ${this.settings.dialect.blob.slice('q.content')} AS chunk FROM (:inner) q`, { offset, length: chunk });
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let offset = 1; offset <= size; offset += chunk) {
        const [row] = await slice(offset);
        const bytes = toBuffer(row?.chunk);
        if (!bytes || bytes.length === 0) throw new DocumentError('unreadable', `"${path}" ended at byte ${offset - 1} of ${size} while it was read (changed meanwhile?)`);
        yield bytes;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private async size(path: string): Promise<number> {
    const rows = await this.read<{ size: unknown }>(path, `SELECT ${this.settings.dialect.blob.size('q.content')} AS size FROM (:inner) q`, {});
    if (rows.length === 0) throw new DocumentError('not_found', `documents.query returns no row for "${path}"`);
    if (rows.length > 1) throw new DocumentError('unreadable', `documents.query returns ${rows.length} rows for "${path}"; it must return one`);
    const size = rows[0]!.size;
    if (size === null || size === undefined) throw new DocumentError('not_found', `the database holds no content for "${path}" (content is NULL)`);
    return Number(size);
  }

  private async read<T>(path: string, outer: string, bindings: Record<string, unknown>): Promise<T[]> {
    const statement = (db: Knex) => db.raw(outer, { ...bindings, inner: db.raw(this.options.query, { path }) });
    try {
      return await runReadOnly<T>(this.db, this.settings.dialect, statement, this.options.query);
    } catch (explained) {
      if (!(explained instanceof Error)) throw explained;
      const e = explained.cause ?? explained;
      if (explained instanceof DatabaseUnreachableError) throw new DocumentError('connection_lost', explained.message, { cause: e });
      const message = explained instanceof QueryFailedError ? explained.message.replace(/source\.query/g, 'documents.query') : explained.message;
      throw new DocumentError('unreadable', message, { cause: e });
    }
  }
}

function toBuffer(value: unknown): Buffer | null {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  return null;
}
