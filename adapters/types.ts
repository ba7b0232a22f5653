// The two small interfaces every adapter implements. The core (src/) depends on these and on
// the registry only; which concrete adapter runs is chosen by the mapping file's `type`.
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { ClearnoxSyncError, ConfigError } from '../src/errors.js';

/** What an adapter may use from the run: where to log, where relative paths start. */
export interface AdapterContext {
  /** Folder of the mapping file: relative paths in the options are resolved against it. */
  baseDir: string;
  /** The mapping file's `source` section, for a document store reading from the same database. */
  source?: { type: string; [key: string]: unknown };
  /**
   * A folder of this run's own, readable by its account only and removed when the run ends, for a
   * store that must land a file on disk before it can be streamed. A store opened without one
   * (a test, \`check\`) makes its own and removes it on close().
   */
  workDir?: string;
  log: {
    debug(obj: object, msg?: string): void;
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
  };
}

/** One row returned by the mapping file's query, keyed by column name. */
export type SourceRow = Record<string, unknown>;

/** The bindings a look-up query receives for one batch. */
export interface LookupBatch {
  /** The entries' document numbers as Clearnox spells them (deduplicated). */
  documentNumbers: string[];
  /** The same numbers after the mapping file's normalisation (deduplicated). */
  normalizedNumbers: string[];
}

/** A company's accounting database, read-only. */
export interface DatabaseSource {
  /** Largest number of values one batch may bind on this database (parameter limits). */
  readonly maxBatchSize: number;
  /** Runs the mapping file's query once for the whole batch. */
  lookup(batch: LookupBatch): Promise<SourceRow[]>;
  /** The server's product and version as it tells them (`check` shows it), e.g. "PostgreSQL 16.4". */
  serverVersion?(): Promise<string>;
  /**
   * What the account may change in the database, in a few words (e.g. "INSERT, UPDATE on
   * public.invoices"), or null when it can only read. `check` warns on it.
   */
  canWrite?(): Promise<string | null>;
  close(): Promise<void>;
}

export interface DatabaseAdapter<Options = unknown> {
  readonly type: string;
  readonly description: string;
  /** Options of `source` besides `type` and `query`, validated before `open`. */
  readonly optionsSchema: z.ZodType<Options>;
  open(options: Options, query: SourceQuery, ctx: AdapterContext): Promise<DatabaseSource>;
}

/**
 * The mapping file's query: raw SQL with named bindings `:documentNumbers` / `:normalizedNumbers`,
 * or the declarative form for a plain table, which the adapter writes in its own dialect.
 */
export type SourceQuery = { sql: string } | { table: TableQuery };

export interface TableQuery {
  /** Table or view, optionally qualified by its schema (dbo.F_DOCENTETE). */
  name: string;
  /** Column of the result -> column of the table. */
  columns: Record<string, string>;
  /** The table's column compared with the entries' document numbers. */
  numberColumn: string;
  /** Extra condition in the database's SQL, e.g. "entity = 1". */
  where?: string;
}

/** Why a document could not be read; the report tells these apart. */
export type DocumentErrorKind =
  | 'not_found'
  | 'permission_denied'
  | 'outside_root'
  | 'connection_lost'
  | 'unreadable';

/**
 * One document the store could not read, counted in the report by its reason (`kind`). It is not
 * a ClearnoxSyncError: when one ends a run (the store as a whole, a folder of documents.index),
 * src/pipeline/classify.ts gives the run's kind from the reason.
 */
export class DocumentError extends Error {
  constructor(
    readonly kind: DocumentErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DocumentError';
  }
}

export interface DocumentInfo {
  /** Size in bytes as the store reports it. */
  size: number;
}

/** Where the PDFs are. Paths are store-relative, written with `/` or `\`. */
export interface DocumentStore {
  /** Human description of the root, for messages (never holds a secret). */
  readonly description: string;
  /** Size of a document; throws DocumentError. */
  stat(path: string): Promise<DocumentInfo>;
  /** A stream of the document's bytes, opened only when called; throws DocumentError. */
  open(path: string): Promise<Readable>;
  /**
   * The regular files under a store-relative folder ('' for the root), depth first, read a folder
   * at a time; links are not followed. For ERPs that keep no path (documents.index).
   */
  list?(folder: string): AsyncIterable<ListedFile>;
  close(): Promise<void>;
}

export interface ListedFile {
  /** Store-relative path written with `/`. */
  path: string;
}

export interface DocumentStoreAdapter<Options = unknown> {
  readonly type: string;
  readonly description: string;
  /** Options of `documents` besides `type`, validated before `open`. */
  readonly optionsSchema: z.ZodType<Options>;
  open(options: Options, ctx: AdapterContext): Promise<DocumentStore>;
}

/**
 * The adapter's options cannot work (a file that does not exist, a refused query): the mapping
 * file must change, so the run ends as a configuration error rather than an outage.
 */
export class AdapterConfigError extends ConfigError {
  override readonly name: string = 'AdapterConfigError';
}

/**
 * The server refused the credentials the mapping file gives (a database login, an SFTP or SMB
 * logon): a person must correct the secret or the account's rights; repeating will not help.
 */
export class CredentialsRefusedError extends ClearnoxSyncError {
  override readonly name = 'CredentialsRefusedError';
  readonly kind = 'credentials';
}

/**
 * The server could not prove it is the one the mapping file means (an SFTP host key not pinned or
 * changed, a certificate that does not verify, a password asked for where an impostor could read
 * it): nothing secret was sent, and a person must confirm the server's identity.
 */
export class UntrustedServerError extends ClearnoxSyncError {
  override readonly name = 'UntrustedServerError';
  readonly kind = 'untrusted';
}
