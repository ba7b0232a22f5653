// SQLite through Node's own node:sqlite where the runtime has it (Node 22.13 and later, and the
// single executable, which cannot load a native add-on), through better-sqlite3 otherwise (an
// npm install on Node 20). Both behave alike here: BLOBs come back as Buffers, errors carry
// better-sqlite3's codes (SQLITE_BUSY...), a lock is waited for 5 s, a read-only database refuses
// writes, and a missing file is never created unless asked.
import { existsSync } from 'node:fs';

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export type SqliteRow = Record<string, unknown>;

export interface SqliteStatement {
  /** Whether the statement gives rows (SELECT, a PRAGMA that answers) rather than changes. */
  readonly reader: boolean;
  all(...params: unknown[]): SqliteRow[];
  get(...params: unknown[]): SqliteRow | undefined;
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
}

export interface SqliteDatabase {
  /** The driver it was opened with. */
  readonly driver: SqliteDriverName;
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  /** Runs `work` in one transaction: committed if it returns, rolled back if it throws. */
  transaction<T>(work: () => T): T;
  close(): void;
}

export interface SqliteOpenOptions {
  readOnly?: boolean;
  /** Create the file if it is missing (writers of a new database only). */
  create?: boolean;
}

export interface SqliteDriver {
  readonly name: SqliteDriverName;
  open(file: string, options?: SqliteOpenOptions): SqliteDatabase;
}

/** How long a statement waits for another program's lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

const tuning: { driver: SqliteDriverName | undefined; busyTimeoutMs: number } = { driver: undefined, busyTimeoutMs: BUSY_TIMEOUT_MS };

/**
 * Which driver openSqlite uses from now on (undefined: the runtime's own), and how long it waits
 * for a lock: one test suite runs on each driver, without waiting 5 s for each busy database.
 */
export function chooseSqliteDriver(driver: SqliteDriverName | undefined, busyTimeoutMs = BUSY_TIMEOUT_MS): void {
  tuning.driver = driver;
  tuning.busyTimeoutMs = busyTimeoutMs;
}

/** Opens `file` on the chosen driver (node:sqlite where Node has it). */
export async function openSqlite(file: string, options: SqliteOpenOptions = {}): Promise<SqliteDatabase> {
  return (await loadSqliteDriver(tuning.driver)).open(file, options);
}

const loaded = new Map<SqliteDriverName, Promise<SqliteDriver>>();

/** The named driver, or the runtime's own: node:sqlite where it exists, better-sqlite3 otherwise. */
export function loadSqliteDriver(name: SqliteDriverName | undefined = tuning.driver): Promise<SqliteDriver> {
  const wanted = name ?? (nodeSqlite() ? 'node:sqlite' : 'better-sqlite3');
  let driver = loaded.get(wanted);
  if (!driver) {
    driver = wanted === 'node:sqlite' ? loadNodeSqlite() : loadBetterSqlite3();
    loaded.set(wanted, driver);
  }
  return driver;
}

/** The drivers this runtime can load, the runtime's own first. */
export async function availableSqliteDrivers(): Promise<SqliteDriverName[]> {
  const names: SqliteDriverName[] = ['node:sqlite', 'better-sqlite3'];
  const ok = await Promise.all(names.map((n) => loadSqliteDriver(n).then(() => true, () => false)));
  return names.filter((_, i) => ok[i]);
}

// ---- node:sqlite ----------------------------------------------------------------------------

interface NodeStatement {
  all(...params: unknown[]): SqliteRow[];
  get(...params: unknown[]): SqliteRow | undefined;
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  /** Node 22.16 and later. */
  columns?(): unknown[];
  setReadBigInts(on: boolean): void;
}
interface NodeDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeStatement;
  close(): void;
}
interface NodeSqliteModule {
  DatabaseSync: new (file: string, options?: { readOnly?: boolean }) => NodeDatabase;
}

let nodeSqliteModule: NodeSqliteModule | null | undefined;

function nodeSqlite(): NodeSqliteModule | null {
  // getBuiltinModule rather than an import: a bundle keeps it as it is, and Node 20 answers
  // undefined instead of failing to load the file.
  nodeSqliteModule ??= withoutSqliteWarning(() => (process.getBuiltinModule?.('node:sqlite') as NodeSqliteModule | undefined) ?? null);
  return nodeSqliteModule;
}

/**
 * Runs `load` without the ExperimentalWarning Node 22 prints when node:sqlite is first loaded:
 * the integrator would read it at every run of a scheduled task, and can do nothing about it.
 * Every other warning goes through.
 */
export function withoutSqliteWarning<T>(load: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const first = rest[0];
    const type = warning instanceof Error ? warning.name : typeof first === 'string' ? first : (first as { type?: string } | undefined)?.type;
    const text = warning instanceof Error ? warning.message : String(warning);
    if (type === 'ExperimentalWarning' && /\bSQLite\b/i.test(text)) return;
    return (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return load();
  } finally {
    process.emitWarning = emit;
  }
}

async function loadNodeSqlite(): Promise<SqliteDriver> {
  const sqlite = nodeSqlite();
  if (!sqlite) throw new Error(`node:sqlite is not part of Node.js ${process.version} (it is from 22.13 on)`);
  return {
    name: 'node:sqlite',
    open(file, options = {}) {
      // node:sqlite creates a missing file unless it opens it read-only.
      if (!options.readOnly && !options.create && file !== ':memory:' && !existsSync(file)) {
        throw Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN', errcode: 14 });
      }
      const db = coded(() => new sqlite.DatabaseSync(file, { readOnly: !!options.readOnly }));
      try {
        coded(() => db.exec(`PRAGMA busy_timeout = ${Math.trunc(tuning.busyTimeoutMs)}`));
      } catch (e) {
        db.close();
        throw e;
      }
      return nodeDatabase(db);
    },
  };
}

function nodeDatabase(db: NodeDatabase): SqliteDatabase {
  return {
    driver: 'node:sqlite',
    exec: (sql) => coded(() => db.exec(sql)),
    prepare: (sql) => nodeStatement(coded(() => db.prepare(sql))),
    transaction(work) {
      coded(() => db.exec('BEGIN'));
      try {
        const result = work();
        coded(() => db.exec('COMMIT'));
        return result;
      } catch (e) {
        try {
          db.exec('ROLLBACK');
        } catch {
          // SQLite already rolled back (a failed COMMIT, a full disk): the first error says why.
        }
        throw e;
      }
    },
    close: () => db.close(),
  };
}

function nodeStatement(statement: NodeStatement): SqliteStatement {
  return {
    // Without columns() (Node 22.13 to 22.15) every statement is read for rows, which a write
    // answers with none.
    reader: statement.columns ? statement.columns().length > 0 : true,
    all: (...params) => readRows(statement, () => statement.all(...params)).map(withBuffers),
    get: (...params) => {
      const row = readRows(statement, () => statement.get(...params));
      return row ? withBuffers(row) : row;
    },
    run: (...params) => coded(() => statement.run(...params)),
  };
}

/**
 * node:sqlite refuses to read an integer beyond 2^53 as a number; better-sqlite3 reads it as the
 * nearest one. Such a row is read again as BigInts, and those made numbers as better-sqlite3 does.
 */
function readRows<T extends SqliteRow[] | SqliteRow | undefined>(statement: NodeStatement, read: () => T): T {
  try {
    return coded(read);
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_OUT_OF_RANGE') throw e;
    statement.setReadBigInts(true);
    try {
      const rows = coded(read);
      for (const row of Array.isArray(rows) ? rows : rows ? [rows] : []) {
        for (const key in row) if (typeof row[key] === 'bigint') row[key] = Number(row[key]);
      }
      return rows;
    } finally {
      statement.setReadBigInts(false);
    }
  }
}

/** node:sqlite gives BLOBs as Uint8Array: the same bytes, seen as a Buffer, without a copy. */
function withBuffers(row: SqliteRow): SqliteRow {
  for (const key in row) {
    const value = row[key];
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return row;
}

/** Runs `call`; a node:sqlite error leaves with better-sqlite3's code for its result code. */
function coded<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    const err = e as { code?: unknown; errcode?: unknown };
    if (err && err.code === 'ERR_SQLITE_ERROR' && typeof err.errcode === 'number') err.code = sqliteCodeName(err.errcode);
    throw e;
  }
}

// SQLite's result codes (sqlite3.h), by primary code; an extended code is the primary one plus
// its rank in the list times 256 ('-' marks a rank SQLite does not use).
const PRIMARY = 'OK ERROR INTERNAL PERM ABORT BUSY LOCKED NOMEM READONLY INTERRUPT IOERR CORRUPT NOTFOUND FULL CANTOPEN PROTOCOL EMPTY SCHEMA TOOBIG CONSTRAINT MISMATCH MISUSE NOLFS AUTH FORMAT RANGE NOTADB NOTICE WARNING'.split(' ');
const EXTENDED: Record<string, string> = {
  OK: 'LOAD_PERMANENTLY SYMLINK',
  ERROR: 'MISSING_COLLSEQ RETRY SNAPSHOT RESERVESIZE KEY UNABLE',
  ABORT: '- ROLLBACK',
  BUSY: 'RECOVERY SNAPSHOT TIMEOUT',
  LOCKED: 'SHAREDCACHE VTAB',
  READONLY: 'RECOVERY CANTLOCK ROLLBACK DBMOVED CANTINIT DIRECTORY',
  IOERR:
    'READ SHORT_READ WRITE FSYNC DIR_FSYNC TRUNCATE FSTAT UNLOCK RDLOCK DELETE BLOCKED NOMEM ACCESS CHECKRESERVEDLOCK LOCK CLOSE DIR_CLOSE SHMOPEN SHMSIZE SHMLOCK SHMMAP SEEK DELETE_NOENT MMAP GETTEMPPATH CONVPATH VNODE AUTH BEGIN_ATOMIC COMMIT_ATOMIC ROLLBACK_ATOMIC DATA CORRUPTFS IN_PAGE BADKEY CODEC',
  CORRUPT: 'VTAB SEQUENCE INDEX',
  CANTOPEN: 'NOTEMPDIR ISDIR FULLPATH CONVPATH DIRTYWAL SYMLINK',
  CONSTRAINT: 'CHECK COMMITHOOK FOREIGNKEY FUNCTION NOTNULL PRIMARYKEY TRIGGER UNIQUE VTAB ROWID PINNED DATATYPE',
  NOTICE: 'RECOVER_WAL RECOVER_ROLLBACK RBU',
  WARNING: 'AUTOINDEX',
  AUTH: 'USER',
};

/** better-sqlite3's name for an SQLite result code: 5 -> SQLITE_BUSY, 517 -> SQLITE_BUSY_SNAPSHOT. */
export function sqliteCodeName(code: number): string {
  if (code === 100) return 'SQLITE_ROW';
  if (code === 101) return 'SQLITE_DONE';
  const primary = PRIMARY[code & 0xff];
  if (!primary) return `UNKNOWN_SQLITE_ERROR_${code}`;
  if (code < 256) return `SQLITE_${primary}`;
  const extended = EXTENDED[primary]?.split(' ')[(code >> 8) - 1];
  return extended && extended !== '-' ? `SQLITE_${primary}_${extended}` : `UNKNOWN_SQLITE_ERROR_${code}`;
}

// ---- better-sqlite3 ---------------------------------------------------------------------------

interface BetterStatement {
  readonly reader: boolean;
  all(...params: unknown[]): SqliteRow[];
  get(...params: unknown[]): SqliteRow | undefined;
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}
interface BetterDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): BetterStatement;
  transaction<T>(work: () => T): () => T;
  close(): void;
}
type BetterConstructor = new (file: string, options: { readonly: boolean; fileMustExist: boolean; timeout: number }) => BetterDatabase;

async function loadBetterSqlite3(): Promise<SqliteDriver> {
  let Database: BetterConstructor;
  try {
    // Loaded only where node:sqlite is missing: the single executable has no native add-on.
    Database = ((await import('better-sqlite3')) as unknown as { default: BetterConstructor }).default;
    // The native part loads with the first database: one built for another Node.js fails here.
    new Database(':memory:', { readonly: false, fileMustExist: false, timeout: 0 }).close();
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new Error(
      !nodeSqlite()
        ? `SQLite cannot be opened: this Node.js (${process.version}) has no node:sqlite (it comes with Node.js 22.13 and later), and the better-sqlite3 package does not load (${why}). Run clearnox-sync with Node.js 22.13 or later, or reinstall it with npm ci under this Node.js.`
        : `better-sqlite3 does not load under Node.js ${process.version}: ${why}`,
      { cause: e },
    );
  }
  return {
    name: 'better-sqlite3',
    open(file, options = {}) {
      const db = new Database(file, { readonly: !!options.readOnly, fileMustExist: !options.create, timeout: tuning.busyTimeoutMs });
      return {
        driver: 'better-sqlite3',
        exec: (sql) => void db.exec(sql),
        prepare: (sql) => db.prepare(sql),
        transaction: (work) => db.transaction(work)(),
        close: () => db.close(),
      };
    },
  };
}
