import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnreachableError } from '../../adapters/database/errors.js';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { sqliteAdapter } from '../../adapters/database/sqlite.js';
import { AdapterConfigError } from '../../adapters/types.js';
import { silentLogger } from '../../src/log.js';
import { MatchSectionSchema, type SourceSection } from '../../src/mapping/schema.js';
import { groupEntries } from '../../src/match/groups.js';
import { makeNormaliser } from '../../src/match/normalise.js';
import { SourceShapeError, batchGroups, lookupDocuments } from '../../src/pipeline/lookup.js';
import { entry } from '../helpers/entries.js';
import { counting } from '../helpers/sources.js';

let dir: string;
const ctx = () => ({ baseDir: dir, log: silentLogger });
const normalise = makeNormaliser(MatchSectionSchema.parse({ ignoreLeadingZeros: true }));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-lookup-'));
  const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
  db.exec(`CREATE TABLE invoices (number TEXT, pdf TEXT, year INTEGER)`);
  const insert = db.prepare('INSERT INTO invoices VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 3000; i++) insert.run(`FA-${String(i).padStart(5, '0')}`, `${2024}\\FA-${i}.pdf`, 2024);
    insert.run('FA-DUP', 'a/dup.pdf', 2024);
    insert.run('FA-DUP', 'b/dup.pdf', 2024);
    insert.run('FA-SAME', 'x\\same.pdf', 2024);
    insert.run('FA-SAME', 'x/same.pdf', 2024);
    insert.run('FA-NOPATH', null, 2024);
  });
  db.close();
});

afterAll(() => rm(dir, { recursive: true, force: true }));

const section = (over: Partial<SourceSection> = {}): SourceSection => ({
  type: 'sqlite',
  query: 'SELECT number AS documentNumber, pdf AS path, year FROM invoices WHERE number IN (:documentNumbers)',
  documentNumberColumn: 'documentNumber',
  pathColumn: 'path',
  ...over,
});


describe('lookupDocuments on SQLite', () => {
  it('tells a database the ERP keeps locked as an outage, not as a query to correct', async () => {
    const locked = /erp\.sqlite stayed locked by another program \(SQLITE_BUSY\) for more than 5 s/;
    const source = await sqliteAdapter.open({ path: 'erp.sqlite' }, { sql: section().query as string }, ctx());
    const writer = await openSqlite(path.join(dir, 'erp.sqlite'));
    writer.exec('BEGIN EXCLUSIVE');
    try {
      const failed = await source.lookup({ documentNumbers: ['FA-00001'], normalizedNumbers: ['FA-00001'] }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(DatabaseUnreachableError);
      expect((failed as Error).message).toMatch(locked);
      const opening = await sqliteAdapter.open({ path: 'erp.sqlite' }, { sql: section().query as string }, ctx()).catch((e: unknown) => e);
      expect(opening).toBeInstanceOf(DatabaseUnreachableError);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
      await source.close();
    }
  });

  it('runs one query per batch and finds every number, whatever the spelling', async () => {
    const s = section();
    const source = counting(await sqliteAdapter.open({ path: 'erp.sqlite' }, { sql: s.query as string }, ctx()));
    const entries = Array.from({ length: 2500 }, (_, i) => entry(`e${i}`, `FA-${String(i + 1).padStart(5, '0')}`));
    entries.push(entry('x1', 'fa-00001'), entry('x2', 'OD-1'));
    const groups = groupEntries(entries, normalise);
    const found = await lookupDocuments(source, { ...s, batchSize: 1000 }, groups, normalise);
    await source.close();
    expect(source.calls.length).toBe(3);
    expect(Math.max(...source.calls.map((c) => c.documentNumbers.length))).toBeLessThanOrEqual(1000);
    expect(found.size).toBe(2500);
    expect(found.get(normalise('FA-00017'))).toEqual({ paths: ['2024\\FA-17.pdf'], rowsWithoutPath: 0 });
    expect(found.has(normalise('OD-1'))).toBe(false);
  });

  it('reports two files for one number, one file spelled twice, and rows without a path', async () => {
    const s = section();
    const source = await sqliteAdapter.open({ path: 'erp.sqlite' }, { sql: s.query as string }, ctx());
    const groups = groupEntries([entry('a', 'FA-DUP'), entry('b', 'FA-SAME'), entry('c', 'FA-NOPATH')], normalise);
    const found = await lookupDocuments(source, s, groups, normalise);
    await source.close();
    expect(found.get('FA-DUP')!.paths).toEqual(['a/dup.pdf', 'b/dup.pdf']);
    expect(found.get('FA-SAME')!.paths).toEqual(['x\\same.pdf']);
    expect(found.get('FA-NOPATH')).toEqual({ paths: [], rowsWithoutPath: 1 });
  });

  it('builds the path from a template over the row', async () => {
    const s = section({ pathColumn: undefined, pathTemplate: '{{year}}/{{documentNumber}}.pdf' });
    const source = await sqliteAdapter.open({ path: 'erp.sqlite' }, { sql: s.query as string }, ctx());
    const found = await lookupDocuments(source, s, groupEntries([entry('a', 'FA-00002')], normalise), normalise);
    await source.close();
    expect(found.get(normalise('FA-00002'))!.paths).toEqual(['2024/FA-00002.pdf']);
  });

  it('binds the normalised numbers for queries that normalise the ERP side', async () => {
    const s = section({ query: "SELECT number AS documentNumber, pdf AS path FROM invoices WHERE UPPER(REPLACE(number, ' ', '')) IN (:normalizedNumbers)" });
    const source = await sqliteAdapter.open({ path: 'erp.sqlite' }, { sql: s.query as string }, ctx());
    const n = makeNormaliser(MatchSectionSchema.parse({}));
    const found = await lookupDocuments(source, s, groupEntries([entry('a', ' fa-dup ')], n), n);
    await source.close();
    expect(found.get('FA-DUP')!.paths).toHaveLength(2);
  });

  it('names the missing column and the columns the query gives', async () => {
    const s = section({ documentNumberColumn: 'piece' });
    const source = await sqliteAdapter.open({ path: 'erp.sqlite' }, { sql: s.query as string }, ctx());
    const run = lookupDocuments(source, s, groupEntries([entry('a', 'FA-00001')], normalise), normalise);
    await expect(run).rejects.toThrow(SourceShapeError);
    await expect(run).rejects.toThrow(/"piece".*documentNumber, path, year/);
    await source.close();
  });

  it('refuses a query that writes, and a database file that does not exist', async () => {
    await expect(sqliteAdapter.open({ path: 'erp.sqlite' }, { sql: 'DELETE FROM invoices WHERE number IN (:documentNumbers)' }, ctx())).rejects.toThrow(
      AdapterConfigError,
    );
    await expect(sqliteAdapter.open({ path: 'nope.sqlite' }, { sql: section().query as string }, ctx())).rejects.toThrow(/nope\.sqlite does not exist/);
  });

  it('opens the database read-only', async () => {
    const s = section({ query: 'SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)' });
    const source = await sqliteAdapter.open({ path: 'erp.sqlite' }, { sql: s.query as string }, ctx());
    // Bypass the query guard to prove the connection itself refuses writes.
    const db = (source as unknown as { db: { raw(sql: string): Promise<unknown> } }).db;
    await expect(db.raw("INSERT INTO invoices VALUES ('X', 'x', 1)")).rejects.toThrow(/readonly/i);
    await source.close();
  });
});

describe('batchGroups', () => {
  it('counts every spelling a batch binds', () => {
    const groups = groupEntries([entry('a', 'FA-1'), entry('b', 'fa-1'), entry('c', 'FA-2'), entry('d', 'FA-3')], normalise);
    expect([...batchGroups(groups, 2)].map((b) => b.map((g) => g.key))).toEqual([['FA-1'], ['FA-2', 'FA-3']]);
  });
});
