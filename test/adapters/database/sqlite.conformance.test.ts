// The SQLite adapter on each driver this Node.js loads: node:sqlite (Node 22.13 and later, the
// single executable) and better-sqlite3 (an npm install on Node 20). Each passes the source
// conformance suite (source-conformance.ts); here too what the drivers must give alike beyond it:
// result codes, warnings, lock waits, integers beyond 2^53, BLOBs as Buffers.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnreachableError } from '../../../adapters/database/errors.js';
import { createKnex } from '../../../adapters/database/knex-source.js';
import {
  availableSqliteDrivers,
  BUSY_TIMEOUT_MS,
  chooseSqliteDriver,
  loadSqliteDriver,
  openSqlite,
  sqliteCodeName,
  withoutSqliteWarning,
  type SqliteDatabase,
  type SqliteDriverName,
} from '../../../adapters/database/sqlite-driver.js';
import { SqliteClient } from '../../../adapters/database/sqlite-knex-client.js';
import { sqliteAdapter, sqliteSettings } from '../../../adapters/database/sqlite.js';
import { AdapterConfigError, type DatabaseSource, type SourceQuery } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { describeSourceConformance, type InvoiceRow, type SourceFixture } from './source-conformance.js';

// Warnings printed while the drivers load: node:sqlite is first loaded here, in this process.
const loadWarnings: string[] = [];
const onWarning = (w: Error) => loadWarnings.push(`${w.name}: ${w.message}`);
process.on('warning', onWarning);
const drivers = await availableSqliteDrivers();
await new Promise((resolve) => setImmediate(resolve));
process.off('warning', onWarning);

/** node:sqlite is built in and unflagged from Node 22.13 (23.4 on the 23 line). */
function hasNodeSqlite(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major >= 24 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
}

describe('the SQLite driver of this Node.js', () => {
  it(`is node:sqlite from Node 22.13 on, better-sqlite3 before (here Node ${process.versions.node})`, async () => {
    const expected: SqliteDriverName = hasNodeSqlite(process.versions.node) ? 'node:sqlite' : 'better-sqlite3';
    expect(drivers).toContain(expected);
    expect((await loadSqliteDriver()).name).toBe(expected);
    expect(drivers[0]).toBe(expected);
  });

  it("keeps node:sqlite's experimental warning off the console, and every other warning on it", () => {
    expect(loadWarnings).toEqual([]);
    const seen: string[] = [];
    const emit = process.emitWarning;
    const record = ((warning: string, type?: string | { type?: string }) => {
      seen.push(`${typeof type === 'string' ? type : type?.type}: ${warning}`);
    }) as typeof process.emitWarning;
    process.emitWarning = record;
    try {
      withoutSqliteWarning(() => {
        process.emitWarning('SQLite is an experimental feature and might change at any time', 'ExperimentalWarning');
        process.emitWarning('SQLite is an experimental feature and might change at any time', { type: 'ExperimentalWarning' });
        process.emitWarning('WASI is an experimental feature and might change at any time', 'ExperimentalWarning');
        process.emitWarning('SQLite said something else', 'DeprecationWarning');
      });
      expect(process.emitWarning).toBe(record);
    } finally {
      process.emitWarning = emit;
    }
    expect(seen).toEqual(['ExperimentalWarning: WASI is an experimental feature and might change at any time', 'DeprecationWarning: SQLite said something else']);
  });

  it("names every SQLite result code better-sqlite3 names as it does", async () => {
    // sqlite3.h gives the numbers, better-sqlite3's constants.cpp the names it gives them.
    const dir = path.join('node_modules', 'better-sqlite3');
    const header = await readFile(path.join(dir, 'deps', 'sqlite3', 'sqlite3.h'), 'utf8');
    const values = new Map<string, number>();
    for (const [, name, primary, rank, plain] of header.matchAll(/^#define (SQLITE_[A-Z_]+)\s+(?:\(\s*(SQLITE_[A-Z]+)\s*\|\s*\((\d+)\s*<<\s*8\)\s*\)|(\d+))/gm)) {
      values.set(name!, plain !== undefined ? Number(plain) : values.get(primary!)! | (Number(rank) << 8));
    }
    const named = [...(await readFile(path.join(dir, 'src', 'util', 'constants.cpp'), 'utf8')).matchAll(/SetCode\(isolate, (SQLITE_[A-Z_]+), "\1"\)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(90);
    expect(named.map((name) => sqliteCodeName(values.get(name)!))).toEqual(named);
    expect([773, 4000].map(sqliteCodeName)).toEqual(['SQLITE_BUSY_TIMEOUT', 'UNKNOWN_SQLITE_ERROR_4000']);
  });
});

const QUERY = 'SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)';

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: Error) => e,
  );
}

/** A SQLite file of the suite's invoices, with the `issued` dates stored as SQLite keeps them: text. */
async function invoicesFile(file: string, rows: InvoiceRow[]): Promise<void> {
  const db = await openSqlite(file, { create: true });
  db.exec('CREATE TABLE invoices (number TEXT NOT NULL, pdf TEXT, year INTEGER, issued DATE)');
  const insert = db.prepare('INSERT INTO invoices VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of rows) insert.run(r.number, r.pdf, r.year ?? 2024, r.issued ?? '2024-01-31');
  });
  db.close();
}

function sqliteFixture(dirOf: () => string): SourceFixture {
  return {
    adapter: sqliteAdapter,
    client: SqliteClient,
    dialect: async () => (await sqliteSettings({ path: 'erp.sqlite' }, { baseDir: dirOf(), log: silentLogger })).dialect,
    maxParameters: 32_000,
    // SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32, in both drivers' builds.
    serverLimit: 32_766,
    quoted: (name) => `\`${name}\``,
    unreachable: async () => ({ path: 'no-such-ledger.sqlite' }),
    async database(rows) {
      const dir = dirOf();
      const ctx = { baseDir: dir, log: silentLogger };
      await invoicesFile(path.join(dir, 'suite.sqlite'), rows);
      const admin = createKnex({ client: SqliteClient, connection: { filename: path.join(dir, 'suite.sqlite') }, useNullAsDefault: true, pool: { min: 0, max: 1 } });
      return {
        ctx,
        options: (over = {}) => sqliteAdapter.optionsSchema.parse({ path: 'suite.sqlite', ...over }),
        // The file is this process's to write; the adapter opens it read-only all the same.
        writerSettings: () => sqliteSettings({ path: 'suite.sqlite' }, ctx),
        admin,
        blobType: 'BLOB',
        timestampType: 'DATETIME',
        grant: async () => undefined,
        async addCompany(name, companyRows) {
          await invoicesFile(path.join(dir, `${name}.sqlite`), companyRows);
          return { path: `${name}.sqlite` };
        },
        close: () => admin.destroy(),
      };
    },
  };
}

describe.each(drivers)('SQLite on %s', (driver) => {
  let dir: string;
  const file = () => path.join(dir, 'erp.sqlite');
  const ctx = () => ({ baseDir: dir, log: silentLogger });
  const open = (query: SourceQuery = { sql: QUERY }) => sqliteAdapter.open({ path: 'erp.sqlite' }, query, ctx());
  const lookup = (source: DatabaseSource, numbers: string[]) => source.lookup({ documentNumbers: numbers, normalizedNumbers: numbers });
  const connectionOf = (source: DatabaseSource) => (source as unknown as { db: { client: { acquireConnection(): Promise<SqliteDatabase>; releaseConnection(c: unknown): Promise<void> } } }).db.client;
  const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(100 * 1024 + 321)]);

  beforeAll(async () => {
    // A lock is waited for 200 ms here rather than 5 s.
    chooseSqliteDriver(driver, 200);
    dir = await mkdtemp(path.join(os.tmpdir(), `cnx-sqlite-${driver.replace(/\W/g, '')}-`));
    const db = await openSqlite(file(), { create: true });
    db.exec('CREATE TABLE invoices (number TEXT NOT NULL, pdf TEXT, entity INTEGER, big INTEGER)');
    db.exec('CREATE TABLE ir_attachment (id INTEGER PRIMARY KEY, db_datas BLOB)');
    const insert = db.prepare('INSERT INTO invoices VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= 500; i++) insert.run(`FA-${i}`, `2024/FA-${i}.pdf`, i % 2, i);
      insert.run('FA-BIG', 'big.pdf', 1, 9007199254740993n);
    });
    db.prepare('INSERT INTO ir_attachment VALUES (?, ?)').run(1, PDF);
    db.close();
  });
  afterAll(async () => {
    chooseSqliteDriver(undefined);
    await rm(dir, { recursive: true, force: true });
  });

  describeSourceConformance(driver, sqliteFixture(() => dir));

  it(`opens the adapter's connections with ${driver}, waiting ${BUSY_TIMEOUT_MS / 1000} s for a lock unless told otherwise`, async () => {
    const source = await open();
    const client = connectionOf(source);
    const conn = await client.acquireConnection();
    expect(conn.driver).toBe(driver);
    expect(conn.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: 200 });
    await client.releaseConnection(conn);
    await source.close();
    chooseSqliteDriver(driver);
    const db = await openSqlite(file(), { readOnly: true });
    expect(db.driver).toBe(driver);
    expect(db.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: BUSY_TIMEOUT_MS });
    db.close();
    chooseSqliteDriver(driver, 200);
  });

  it('reads an integer beyond 2^53 as the nearest number, as better-sqlite3 does', async () => {
    const source = await open({ sql: 'SELECT number AS documentNumber, big FROM invoices WHERE number IN (:documentNumbers)' });
    const rows = await lookup(source, ['FA-BIG']);
    await source.close();
    expect(rows).toEqual([{ documentNumber: 'FA-BIG', big: 9007199254740992 }]);
  });

  it('gives BLOBs as Buffers and errors with better-sqlite3 codes', async () => {
    const db = await openSqlite(file(), { readOnly: true });
    try {
      const row = db.prepare('SELECT db_datas FROM ir_attachment WHERE id = 1').get()!;
      expect(Buffer.isBuffer(row['db_datas'])).toBe(true);
      expect((row['db_datas'] as Buffer).equals(PDF)).toBe(true);
      expect(() => db.prepare('SELECT a FROM nowhere')).toThrow(expect.objectContaining({ code: 'SQLITE_ERROR', message: 'no such table: nowhere' }));
      expect(() => db.exec("INSERT INTO invoices VALUES ('X', 'x', 1, 1)")).toThrow(expect.objectContaining({ code: 'SQLITE_READONLY' }));
    } finally {
      db.close();
    }
    const scratch = await openSqlite(':memory:');
    scratch.exec('CREATE TABLE t (a TEXT UNIQUE)');
    scratch.exec("INSERT INTO t VALUES ('a')");
    expect(() => scratch.prepare('INSERT INTO t VALUES (?)').run('a')).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }));
    expect(() => scratch.transaction(() => {
      scratch.exec("INSERT INTO t VALUES ('b')");
      throw new Error('changed my mind');
    })).toThrow('changed my mind');
    expect(scratch.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    scratch.close();
  });

  it('tells a database another program keeps locked as an outage (exit 3)', async () => {
    const source = await open();
    const writer = await openSqlite(file());
    writer.exec('BEGIN EXCLUSIVE');
    try {
      const failed = await failure(lookup(source, ['FA-1']));
      expect(failed).toBeInstanceOf(DatabaseUnreachableError);
      expect(failed.message).toMatch(/erp\.sqlite stayed locked by another program \(SQLITE_BUSY\) for more than 5 s/);
      expect(await failure(open())).toBeInstanceOf(DatabaseUnreachableError);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
      await source.close();
    }
  });

  it('refuses a missing database file as a mapping error (exit 2), and never creates it', async () => {
    const e = await failure(sqliteAdapter.open({ path: 'nope.sqlite' }, { sql: QUERY }, ctx()));
    expect(e).toBeInstanceOf(AdapterConfigError);
    expect(e.message).toMatch(/source\.path: the SQLite database .*nope\.sqlite does not exist/);
    const missing = path.join(dir, 'missing.sqlite');
    await expect(openSqlite(missing, { readOnly: true })).rejects.toMatchObject({ code: 'SQLITE_CANTOPEN' });
    await expect(openSqlite(missing)).rejects.toMatchObject({ code: 'SQLITE_CANTOPEN' });
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(path.join(dir, 'nope.sqlite'))).toBe(false);
  });
});
