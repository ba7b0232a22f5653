// One behaviour for every database adapter: the same tests run against SQLite (on each driver
// this Node.js loads), PostgreSQL, MariaDB, and SQL Server as far as it goes without a server
// (the statements knex compiles for it). A fixture gives the adapter, its dialect and limits and,
// where a database can run here, one built from the rows this suite gives it.
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseStoreAdapter } from '../../../adapters/database/blob-store.js';
import { QueryFailedError } from '../../../adapters/database/errors.js';
import { KnexSource, QueryRefusedError, connectKnex, createKnex, type Dialect, type KnexSettings } from '../../../adapters/database/knex-source.js';
import { DocumentError, type AdapterContext, type DatabaseAdapter, type DatabaseSource, type LookupBatch, type SourceQuery, type SourceRow } from '../../../adapters/types.js';
import type { Entry } from '../../../src/clearnox/contract.js';
import { silentLogger } from '../../../src/log.js';
import { MatchSectionSchema, type SourceSection } from '../../../src/mapping/schema.js';
import { groupEntries } from '../../../src/match/groups.js';
import { makeNormaliser } from '../../../src/match/normalise.js';
import { renderPathTemplate } from '../../../src/match/path-template.js';
import { bindSources } from '../../../src/mapping/bind.js';
import { lookupByCompany } from '../../../src/pipeline/company-sources.js';
import { lookupDocuments } from '../../../src/pipeline/lookup.js';
import { entry } from '../../helpers/entries.js';
import { counting } from '../../helpers/sources.js';
import { BULK, standardRows, type InvoiceRow } from './invoice-rows.js';

export type { InvoiceRow } from './invoice-rows.js';

/** A database of the adapter's kind holding the suite's invoices, read as a user with SELECT only. */
export interface SourceDatabase {
  ctx: AdapterContext;
  /** The reader's options as the mapping file gives them, parsed. */
  options(over?: Record<string, unknown>): any;
  /** How the adapter reaches the database as an account that may write (an administrator). */
  writerSettings(): Promise<KnexSettings>;
  /** A connection that may write, to create tables and see what a refused write left. */
  admin: Knex;
  /** The column type that holds a PDF's bytes (bytea, LONGBLOB, BLOB). */
  blobType: string;
  /** The column type of a date and time without a time zone (timestamp, DATETIME). */
  timestampType: string;
  /** Lets the reader read a table the suite created. */
  grant(table: string): Promise<void>;
  /** Another ledger with the same invoices table (a schema, a database, a file); gives its source.companies keys. */
  addCompany(name: string, rows: InvoiceRow[]): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface SourceFixture {
  adapter: DatabaseAdapter<any>;
  /** The knex client and dialect the adapter uses, to compile statements without a connection. */
  client: string | typeof Knex.Client;
  dialect(): Promise<Dialect>;
  /** Values one statement may bind as the adapter means it, and the server's own limit. */
  maxParameters: number;
  serverLimit: number;
  /** The table name as the dialect quotes it in the table form. */
  quoted(name: string): string;
  /** Options pointing where nothing answers: a refused query must be refused before connecting. */
  unreachable(): Promise<any>;
  /** Builds the database with an `invoices` table (number, pdf, year, issued DATE) of these rows; absent where none can run here. */
  database?(rows: InvoiceRow[]): Promise<SourceDatabase>;
}

export { BULK } from './invoice-rows.js';
const fa = (i: number) => `FA-${String(i).padStart(5, '0')}`;

/** The standard rows, and a number the ERP prints otherwise than Clearnox holds it. */
export function suiteRows(): InvoiceRow[] {
  // As the ERP printed it: lower case, spaces; Clearnox holds it otherwise (av 20240001).
  return [...standardRows(), { number: 'av 2024 0001', pdf: 'avoirs/av-1.pdf' }];
}

const SQL = 'SELECT number AS documentNumber, pdf AS path, year, issued FROM invoices WHERE number IN (:documentNumbers)';
const normalise = makeNormaliser(MatchSectionSchema.parse({}));
const stage = <T>(_name: string, work: () => Promise<T>) => work();
const section = (over: Partial<SourceSection> = {}): SourceSection => ({ type: 'x', query: SQL, documentNumberColumn: 'documentNumber', pathColumn: 'path', ...over });
const none = (documentNumbers: string[]): LookupBatch => ({ documentNumbers, normalizedNumbers: [] });

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: Error) => e,
  );
}

async function readAll(stream: Readable): Promise<{ bytes: Buffer; chunks: number[] }> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return { bytes: Buffer.concat(chunks), chunks: chunks.map((c) => c.length) };
}

/** The number column as the database names it: PostgreSQL lowercases unquoted aliases. */
const numberOf = (row: SourceRow) => row['documentNumber'] ?? row['documentnumber'];

export function describeSourceConformance(name: string, fx: SourceFixture): void {
  describe(`${name} source conformance`, () => {
    describe('statements, compiled without a connection', () => {
      let dialect: Dialect;
      beforeAll(async () => {
        dialect = await fx.dialect();
      });
      const offline = (query: SourceQuery) => new KnexSource(createKnex({ client: fx.client, useNullAsDefault: true }), query, dialect);

      it('binds each number as its own parameter in the raw SQL, on the lines of the mapping file', () => {
        const sql = 'SELECT number AS documentNumber, pdf AS path\n  FROM invoices\n WHERE number IN (:documentNumbers)\n    OR UPPER(number) IN (:normalizedNumbers)';
        const numbers = ["O'BRIEN-1", 'FA\\1', "x' OR '1'='1"];
        const native = offline({ sql }).native({ documentNumbers: numbers, normalizedNumbers: ['OBRIEN1'] });
        expect(native.bindings).toEqual([...numbers, 'OBRIEN1']);
        expect(native.sql.split('\n')).toHaveLength(4);
        expect(native.sql.split('\n').slice(0, 2)).toEqual(sql.split('\n').slice(0, 2));
        for (const n of [...numbers, 'OBRIEN1']) expect(native.sql).not.toContain(n);
      });

      it('writes the table form with the dialect\'s quoted names and the where kept in parentheses', () => {
        const source = offline({ table: { name: 'invoices', columns: { documentNumber: 'number', path: 'pdf' }, numberColumn: 'number', where: 'year >= 2020 OR year IS NULL' } });
        const native = source.native(none(['A', 'B']));
        expect(native.bindings).toEqual(['A', 'B']);
        expect(native.sql).toContain(`from ${fx.quoted('invoices')} where`);
        expect(native.sql).toMatch(/ and \(year >= 2020 OR year IS NULL\)$/);
      });

      it(`keeps every statement within ${fx.maxParameters} parameters, counting each list the query binds`, () => {
        expect(fx.maxParameters).toBeLessThanOrEqual(fx.serverLimit);
        const lists = (n: number) => Array.from({ length: n }, (_, i) => `c${i} IN (:${i % 2 ? 'normalizedNumbers' : 'documentNumbers'})`).join(' OR ');
        for (const n of [1, 2, 3]) {
          expect(offline({ sql: `SELECT a FROM t WHERE ${lists(n)}` }).maxBatchSize, `${n} list(s)`).toBe(Math.floor(fx.maxParameters / n));
        }
        expect(offline({ table: { name: 't', columns: { documentNumber: 'a' }, numberColumn: 'a' } }).maxBatchSize).toBe(fx.maxParameters);
      });

      it('splits more numbers than one statement holds (several spellings each) into statements under the limit', async () => {
        const source = offline({ sql: 'SELECT a AS documentNumber, p AS path FROM t WHERE a IN (:documentNumbers) OR UPPER(a) IN (:normalizedNumbers)' });
        const sent: number[] = [];
        const recording: DatabaseSource = {
          maxBatchSize: source.maxBatchSize,
          async lookup(batch) {
            sent.push(source.native(batch).bindings.length);
            return batch.documentNumbers.map((n): SourceRow => ({ documentNumber: n, path: `${n}.pdf` }));
          },
          close: () => source.close(),
        };
        const distinct = Math.ceil(fx.maxParameters * 1.5);
        const spelt = Math.floor(distinct / 4);
        const entries = Array.from({ length: distinct }, (_, i) => entry(`e${i}`, `FA${i}`));
        for (let i = 0; i < spelt; i++) entries.push(entry(`s${i}`, ` fa${i} `));
        const found = await lookupDocuments(recording, section({ batchSize: 10 * distinct }), groupEntries(entries, normalise), normalise);
        await source.close();
        expect(found.size).toBe(distinct);
        expect(sent.length).toBeGreaterThan(2);
        expect(Math.max(...sent)).toBeLessThanOrEqual(fx.maxParameters);
        // Every spelling and every key exactly once: nothing lost at a batch's edge.
        expect(sent.reduce((a, b) => a + b, 0)).toBe(distinct + spelt + distinct);
      });

      it('refuses anything but one SELECT before connecting', async () => {
        const options = await fx.unreachable();
        const ctx = { baseDir: process.cwd(), log: silentLogger };
        const deleted = await failure(fx.adapter.open(options, { sql: 'DELETE FROM invoices WHERE number IN (:documentNumbers)' }, ctx));
        expect(deleted).toBeInstanceOf(QueryRefusedError);
        expect(deleted.message).toMatch(/^source\.query refused: the query starts with DELETE/);
        const two = await failure(fx.adapter.open(options, { sql: 'SELECT number FROM invoices WHERE number IN (:documentNumbers); DROP TABLE invoices' }, ctx));
        expect(two).toBeInstanceOf(QueryRefusedError);
        const where = await failure(
          fx.adapter.open(options, { table: { name: 'invoices', columns: { documentNumber: 'number' }, numberColumn: 'number', where: '1=1; DROP TABLE invoices' } }, ctx),
        );
        expect(where).toBeInstanceOf(QueryRefusedError);
        expect(where.message).toMatch(/several statements/);
      });
    });

    if (fx.database) describeOnDatabase(fx, fx.database);
  });
}

function describeOnDatabase(fx: SourceFixture, make: (rows: InvoiceRow[]) => Promise<SourceDatabase>): void {
  describe('on a database', () => {
    let db: SourceDatabase;
    const open = (query: SourceQuery = { sql: SQL }, over: Record<string, unknown> = {}) => fx.adapter.open(db.options(over), query, db.ctx);
    const BIG = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(1024 * 1024 + 12_345)]);
    const SMALL = Buffer.from('%PDF-1.4\n% small\n%%EOF\n');

    beforeAll(async () => {
      db = await make(suiteRows());
      await db.admin.raw(`CREATE TABLE attachments (id INTEGER PRIMARY KEY, content ${db.blobType})`);
      await db.admin('attachments').insert([
        { id: 1, content: BIG },
        { id: 2, content: SMALL },
        { id: 3, content: null },
      ]);
      await db.grant('attachments');
    });
    afterAll(() => db?.close());

    it('finds every number in batches no larger than batchSize, one query per batch', async () => {
      const source = counting(await open());
      const entries = Array.from({ length: 2500 }, (_, i) => entry(`e${i}`, fa(i + 1)));
      entries.push(entry('x1', 'fa-00001'), entry('x2', 'OD-1'));
      const found = await lookupDocuments(source, section({ batchSize: 1000 }), groupEntries(entries, normalise), normalise);
      await source.close();
      expect(source.calls.length).toBe(3);
      expect(Math.max(...source.calls.map((c) => c.documentNumbers.length))).toBeLessThanOrEqual(1000);
      expect(found.size).toBe(2500);
      expect(found.get(normalise('FA-00017'))).toEqual({ paths: ['2024/FA-17.pdf'], rowsWithoutPath: 0 });
    });

    it('finds a number the ERP spells otherwise through :normalizedNumbers, and only through it', async () => {
      // Neither spelling is the ERP's; only the normalised one (AV20240001) meets its column normalised.
      const entries = [entry('a', 'av 20240001'), entry('b', 'FA-00005')];
      const byNormalised = 'SELECT number AS documentNumber, pdf AS path FROM invoices WHERE UPPER(REPLACE(number, \' \', \'\')) IN (:normalizedNumbers)';
      for (const [sql, expected] of [
        [byNormalised, ['avoirs/av-1.pdf', '2024/FA-5.pdf']],
        ['SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)', [undefined, '2024/FA-5.pdf']],
      ] as const) {
        const source = await open({ sql });
        const found = await lookupDocuments(source, section({ query: sql }), groupEntries(entries, normalise), normalise);
        await source.close();
        expect(['AV20240001', 'FA-00005'].map((n) => found.get(normalise(n))?.paths[0]), sql).toEqual(expected);
      }
    });

    it('binds numbers as values: quotes, backslashes, accents and SQL in a number are only text', async () => {
      const source = await open();
      const rows = await source.lookup(none(["O'BRIEN-1", 'FA\\1', 'ÉTÉ-1', "x' OR '1'='1", "x\\' OR 1=1 -- ", 'FA-NOPATH']));
      await source.close();
      expect(rows.map((r) => [numberOf(r), r['path']]).sort()).toEqual([
        ['FA-NOPATH', null],
        ['FA\\1', 'backslash.pdf'],
        ["O'BRIEN-1", 'quote.pdf'],
        ['ÉTÉ-1', 'été/ÉTÉ-1.pdf'],
      ]);
    });

    it('runs a whole batch at the adapter limit, both lists bound, in one statement', async () => {
      const sql = 'SELECT number AS documentNumber FROM invoices WHERE number IN (:documentNumbers) OR UPPER(number) IN (:normalizedNumbers)';
      const source = await open({ sql });
      expect(source.maxBatchSize).toBe(Math.floor(fx.maxParameters / 2));
      const numbers = Array.from({ length: source.maxBatchSize }, (_, i) => fa(i + 1));
      const rows = await source.lookup({ documentNumbers: numbers, normalizedNumbers: numbers });
      await source.close();
      expect(rows.length).toBe(Math.min(BULK, source.maxBatchSize));
    });

    it('reads a plain table through the declarative form, with its where', async () => {
      const source = await open({ table: { name: 'invoices', columns: { documentNumber: 'number', path: 'pdf', year: 'year' }, numberColumn: 'number', where: 'year >= 2020' } });
      const rows = await source.lookup(none(['FA-00002', 'FA-OLD', 'NOPE']));
      await source.close();
      expect(rows).toEqual([{ documentNumber: 'FA-00002', path: '2024/FA-2.pdf', year: 2024 }]);
    });

    it('finds the number column whatever case the database gives it', async () => {
      const source = await open();
      const found = await lookupDocuments(source, section(), groupEntries([entry('a', 'FA-00004')], normalise), normalise);
      await source.close();
      expect(found.get('FA-00004')!.paths).toEqual(['2024/FA-4.pdf']);
    });

    it('gives text as text, integers as numbers, DATE as written and NULL as null, so a path template reads the same everywhere', async () => {
      const source = await open({ sql: 'SELECT number AS n, pdf, year, issued FROM invoices WHERE number IN (:documentNumbers)' });
      const rows = await source.lookup(none(['FA-00003', 'FA-NOPATH', 'ÉTÉ-1']));
      await source.close();
      const byNumber = Object.fromEntries(rows.map((r) => [String(r['n']), r]));
      expect(byNumber['FA-00003']).toEqual({ n: 'FA-00003', pdf: '2024/FA-3.pdf', year: 2024, issued: '2024-03-05' });
      expect(byNumber['FA-NOPATH']).toEqual({ n: 'FA-NOPATH', pdf: null, year: 2024, issued: '2024-01-31' });
      expect(renderPathTemplate('{{year}}/{{issued}}/{{n}}.pdf', byNumber['ÉTÉ-1']!)).toBe('2024/2024-01-31/ÉTÉ-1.pdf');
    });

    it('gives a date and time column its day as written, whatever the time zone of the machine', async () => {
      await db.admin.raw(`CREATE TABLE stamps (number VARCHAR(20), at ${db.timestampType})`);
      await db.admin('stamps').insert([
        { number: 'FA-1', at: '2024-03-05 00:00:00' },
        { number: 'FA-2', at: '2024-03-05 23:30:00' },
      ]);
      await db.grant('stamps');
      const zone = process.env['TZ'];
      // Fourteen hours east of Greenwich and eleven west: a day either side if a time is moved.
      for (const tz of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
        process.env['TZ'] = tz;
        try {
          const source = await open({ sql: 'SELECT number AS documentNumber, at FROM stamps WHERE number IN (:documentNumbers)' });
          const rows = await source.lookup(none(['FA-1', 'FA-2']));
          await source.close();
          expect(rows.map((r) => renderPathTemplate('{{at}}', r).slice(0, 10)), tz).toEqual(['2024-03-05', '2024-03-05']);
        } finally {
          if (zone === undefined) delete process.env['TZ'];
          else process.env['TZ'] = zone;
        }
      }
    });

    it('has the database itself refuse a write that got past the query guard, even on an account that may write', async () => {
      const settings = await db.writerSettings();
      // The adapter's own connection and way of running a batch, without checkQuery in front.
      const source = new KnexSource(await connectKnex(settings, db.ctx, 1), { sql: "UPDATE invoices SET pdf = 'changed.pdf' WHERE number IN (:documentNumbers)" }, settings.dialect);
      const e = await failure(source.lookup(none(['FA-00006'])));
      await source.close();
      expect(e).toBeInstanceOf(QueryFailedError);
      expect(e.message).toMatch(/read.?only/i);
      expect(await db.admin('invoices').where({ number: 'FA-00006' }).first('pdf')).toEqual({ pdf: '2024/FA-6.pdf' });
    });

    it('names the line of source.query the database points at', async () => {
      const sql = 'SELECT number AS documentNumber,\n       pdf AS path\n  FROM invoices\n WHERE numbr IN (:documentNumbers)';
      const source = await open({ sql });
      const e = await failure(source.lookup(none(['FA-00001'])));
      await source.close();
      expect(e).toBeInstanceOf(QueryFailedError);
      expect((e as QueryFailedError).line).toBe(4);
      expect(e.message).toMatch(/^source\.query failed on the .* at line 4 of source\.query \("WHERE numbr IN \(:documentNumbers\)"\): .*numbr/);
    });

    describe('PDFs kept in the database, read by the database document store', () => {
      const QUERY = 'SELECT content FROM attachments WHERE id = CAST(:path AS INTEGER)';
      const openStore = (chunkKiB: number, query = QUERY) =>
        databaseStoreAdapter.open(databaseStoreAdapter.optionsSchema.parse({ query, chunkKiB }), { ...db.ctx, source: { type: fx.adapter.type, ...db.options() } });

      it('streams a document in slices of chunkKiB, byte for byte', async () => {
        const store = await openStore(256);
        expect(await store.stat('1')).toEqual({ size: BIG.length });
        const { bytes, chunks } = await readAll(await store.open('1'));
        await store.close();
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(BIG).digest('hex'));
        expect(chunks.length).toBe(Math.ceil(BIG.length / (256 * 1024)));
        expect(Math.max(...chunks)).toBe(256 * 1024);
      });

      it('reads a small document in one slice', async () => {
        const store = await openStore(1024);
        const { bytes, chunks } = await readAll(await store.open('2'));
        await store.close();
        expect(bytes.equals(SMALL)).toBe(true);
        expect(chunks).toEqual([SMALL.length]);
      });

      it('tells a missing row and a NULL content apart from a failure, and refuses a write', async () => {
        const store = await openStore(1024);
        const missing = await failure(store.stat('999'));
        const empty = await failure(store.open('3'));
        await store.close();
        expect(missing).toBeInstanceOf(DocumentError);
        expect((missing as DocumentError).kind).toBe('not_found');
        expect(missing.message).toBe('documents.query returns no row for "999"');
        expect((empty as DocumentError).kind).toBe('not_found');
        expect(empty.message).toContain('content is NULL');
        await expect(openStore(1024, 'DELETE FROM attachments WHERE id = :path')).rejects.toThrow('documents.query refused: the query starts with DELETE');
      });
    });

    it('looks up each company in its own ledger only (source.companies)', async () => {
      const a = `company_a_${randomBytes(3).toString('hex')}`;
      const b = `company_b_${randomBytes(3).toString('hex')}`;
      const companies = {
        A: await db.addCompany(a, [{ number: 'FA-1', pdf: 'a/FA-1.pdf' }]),
        B: await db.addCompany(b, [{ number: 'FA-1', pdf: 'b/FA-1.pdf' }, { number: 'FA-2', pdf: 'b/FA-2.pdf' }]),
      };
      const entries: Entry[] = [
        entry('a1', 'FA-1', { companyCode: 'A' }),
        entry('b1', 'FA-1', { companyCode: 'B' }),
        entry('a2', 'FA-2', { companyCode: 'A' }),
        entry('c1', 'FA-1', { companyCode: 'C' }),
      ];
      const s: SourceSection = { ...section({ type: fx.adapter.type, query: 'SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)' }), ...db.options(), companies };
      const result = await lookupByCompany({ sources: bindSources(s, fx.adapter), entries, normalise, ctx: db.ctx, stage });
      const pathOf = (id: string) => {
        const group = result.groups.find((g) => g.entries.some((e) => e.id === id));
        return group ? result.found.get(group.key)?.paths : 'no group';
      };
      expect(pathOf('a1')).toEqual(['a/FA-1.pdf']);
      expect(pathOf('b1')).toEqual(['b/FA-1.pdf']);
      expect(pathOf('a2')).toBeUndefined(); // FA-2 is only in B's ledger
      expect(result.unmapped.map((u) => [u.companyCode, u.group.entries.map((e) => e.id)])).toEqual([['C', ['c1']]]);
    });
  });
}
