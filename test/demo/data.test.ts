import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSqliteDriver, type SqliteDatabase } from '../../adapters/database/sqlite-driver.js';
import { EntrySchema, PDF_MAGIC, type Entry } from '../../src/clearnox/contract.js';
import { buildDemoData, type DemoData } from '../../src/demo/data.js';

type Db = SqliteDatabase;
const sqlite = await loadSqliteDriver();

const OPTS = { baseUrl: 'http://127.0.0.1:8787', clientId: 'demo-client' };
// What the tool binds as :normalizedNumbers under the demo's match rules.
const normalize = (n: string) => n.trim().replace(/ /g, '').toUpperCase();

let tmp: string;
let a: DemoData;
let b: DemoData;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'clearnox-demo-'));
  const started = performance.now();
  a = await buildDemoData(path.join(tmp, 'a'), OPTS);
  console.info(`demo data built in ${Math.round(performance.now() - started)} ms`);
  b = await buildDemoData(path.join(tmp, 'b'), OPTS);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function withDb<T>(data: DemoData, fn: (db: Db) => T): T {
  const db = sqlite.open(data.dbPath, { readOnly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Runs the demo mapping's own query, the way the tool binds it. */
async function lookup(data: DemoData, numbers: string[]): Promise<Array<{ documentNumber: string; path: string }>> {
  const mapping = parse(await readFile(data.mappingPath, 'utf8'));
  const normalized = [...new Set(numbers.map(normalize))];
  const sql = (mapping.source.query as string).replace(':normalizedNumbers', normalized.map(() => '?').join(', '));
  return withDb(data, (db) => db.prepare(sql).all(...normalized)) as Array<{ documentNumber: string; path: string }>;
}

const byId = (data: DemoData) => new Map(data.entries.map((e) => [e.id, e]));

async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
  for (const f of files) hash.update(path.relative(dir, f)).update(await readFile(f));
  return hash.digest('hex');
}

describe('demo data', () => {
  it('has the expected counts, and every entry in exactly one outcome', () => {
    expect(a.entries).toHaveLength(120);
    expect(a.expected.notFound).toHaveLength(6);
    expect(a.expected.fileMissing).toHaveLength(1);
    expect(a.expected.invalidDocument).toHaveLength(1);
    expect(a.expected.attachable).toHaveLength(112);
    const all = Object.values(a.expected).flat().sort();
    expect(all).toEqual(a.entries.map((e) => e.id));
    const rows = withDb(a, (db) => db.prepare('SELECT COUNT(*) AS n FROM invoices').all()[0]!.n as number);
    expect(rows).toBeGreaterThanOrEqual(250);
    expect(rows).toBeLessThanOrEqual(350);
  });

  it('serves valid entries ordered by id', async () => {
    const ids = a.entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of a.entries) {
      expect(EntrySchema.parse(e)).toEqual(e);
      expect(e.id).toMatch(/^ent_\d{6}$/);
      expect(e).toMatchObject({ companyCode: 'DEMO-FR', currency: 'EUR' });
    }
    const file = JSON.parse(await readFile(path.join(a.dir, 'entries.json'), 'utf8')) as { entries: Entry[] };
    expect(file.entries).toEqual(a.entries);
  });

  it('finds a valid PDF for every attachable entry through the mapping query', async () => {
    const entries = byId(a);
    const attachable = a.expected.attachable.map((id) => entries.get(id)!);
    const rows = await lookup(a, attachable.map((e) => e.documentNumber));
    const pathOf = new Map(rows.map((r) => [normalize(r.documentNumber), r.path]));
    for (const e of attachable) {
      const rel = pathOf.get(normalize(e.documentNumber));
      expect(rel, e.documentNumber).toBeDefined();
      expect(rel).toMatch(/^20\d\d\/\d\d\/[A-Z]{2}-20\d\d-\d{5}\.pdf$/);
      const bytes = await readFile(path.join(a.pdfRoot, rel!));
      expect(bytes.subarray(0, 5).equals(PDF_MAGIC)).toBe(true);
      const pdf = await PDFDocument.load(bytes);
      expect(pdf.getPageCount()).toBe(1);
      expect(normalize(pdf.getTitle() ?? '')).toContain(normalize(e.documentNumber));
    }
  });

  it('includes spellings that only the match rules reconcile', async () => {
    const respelled = a.entries.filter((e) => a.expected.attachable.includes(e.id) && /[a-z ]/.test(e.documentNumber));
    expect(respelled.length).toBeGreaterThanOrEqual(15);
    expect(respelled.some((e) => /^ | $/.test(e.documentNumber))).toBe(true);
    expect(respelled.some((e) => /\S \S/.test(e.documentNumber))).toBe(true);
    // A plain IN on the Clearnox spelling would miss them: that is why the query normalises.
    const exact = withDb(a, (db) =>
      db.prepare(`SELECT number FROM invoices WHERE number IN (${respelled.map(() => '?').join(',')})`).all(...respelled.map((e) => e.documentNumber)),
    );
    expect(exact).toHaveLength(0);
  });

  it('sets up the unattachable cases', async () => {
    const entries = byId(a);
    const numbers = (ids: string[]) => ids.map((id) => entries.get(id)!.documentNumber);
    expect(await lookup(a, numbers(a.expected.notFound))).toHaveLength(0);

    const [missing] = await lookup(a, numbers(a.expected.fileMissing));
    expect(missing).toBeDefined();
    expect(existsSync(path.join(a.pdfRoot, missing!.path))).toBe(false);

    const [corrupt] = await lookup(a, numbers(a.expected.invalidDocument));
    const bytes = await readFile(path.join(a.pdfRoot, corrupt!.path));
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.subarray(0, 5).equals(PDF_MAGIC)).toBe(false);
    await expect(PDFDocument.load(bytes)).rejects.toThrow();
  });

  it('has installments and a VAT line sharing one document number each', async () => {
    const groups = new Map<string, Entry[]>();
    for (const e of a.entries) groups.set(e.documentNumber, [...(groups.get(e.documentNumber) ?? []), e]);
    const shared = [...groups.values()].filter((g) => g.length > 1);
    const installments = shared.filter((g) => g.every((e) => e.type === 'installment'));
    expect(installments.length).toBeGreaterThanOrEqual(2);
    expect(installments.length).toBeLessThanOrEqual(3);
    const vat = shared.filter((g) => g.length === 2 && g.some((e) => e.type === 'invoice') && g.some((e) => e.type === 'other'));
    expect(vat).toHaveLength(1);
    expect(shared).toHaveLength(installments.length + 1);

    const cents = (s: string) => Math.round(Number(s) * 100);
    for (const g of [...installments, ...vat]) {
      expect(g.every((e) => a.expected.attachable.includes(e.id))).toBe(true);
      const [row] = withDb(a, (db) => db.prepare('SELECT amount_ttc FROM invoices WHERE number = ?').all(g[0]!.documentNumber));
      expect(g.reduce((sum, e) => sum + cents(e.amount), 0)).toBe(cents(row!.amount_ttc as string));
    }
  });

  it('writes the mapping file the brief describes', async () => {
    const text = await readFile(a.mappingPath, 'utf8');
    const ref = /^# yaml-language-server: \$schema=(.+)$/m.exec(text)?.[1];
    expect(path.resolve(a.dir, ref!)).toBe(path.resolve(import.meta.dirname, '../../mappings/mapping.schema.json'));
    const m = parse(text);
    expect(m.clearnox).toEqual({ ...OPTS, clientSecret: '${env:CLEARNOX_CLIENT_SECRET}' });
    expect(m.source).toMatchObject({ type: 'sqlite', path: 'erp.sqlite', documentNumberColumn: 'documentNumber', pathColumn: 'path' });
    expect(m.source.query).toContain('IN (:normalizedNumbers)');
    expect(m.documents).toEqual({ type: 'local', root: 'pdfs' });
    expect(m.match).toEqual({ trim: true, ignoreCase: true, removeInnerSpaces: true, ignoreLeadingZeros: false });
    expect(m.upload).toEqual({ maxArchiveMiB: 50, maxDocumentsPerArchive: 40 });
    expect(path.resolve(a.dir, m.source.path)).toBe(a.dbPath);
    expect(path.resolve(a.dir, m.documents.root)).toBe(a.pdfRoot);
  });

  it('is deterministic', async () => {
    expect(await readFile(path.join(b.dir, 'entries.json'), 'utf8')).toBe(await readFile(path.join(a.dir, 'entries.json'), 'utf8'));
    expect(b.expected).toEqual(a.expected);
    for (const table of ['customers', 'invoices']) {
      const rows = (d: DemoData) => withDb(d, (db) => db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all());
      expect(rows(b)).toEqual(rows(a));
    }
    expect(await treeHash(b.pdfRoot)).toBe(await treeHash(a.pdfRoot));
  });

  it('rebuilds its own folder from scratch, and no other', async () => {
    await writeFile(path.join(a.pdfRoot, 'stray.pdf'), 'x');
    const again = await buildDemoData(a.dir, OPTS);
    expect(existsSync(path.join(a.pdfRoot, 'stray.pdf'))).toBe(false);
    expect(again.entries).toEqual(a.entries);

    const foreign = path.join(tmp, 'foreign');
    await mkdir(foreign);
    await writeFile(path.join(foreign, 'precious.txt'), 'keep me');
    await expect(buildDemoData(foreign, OPTS)).rejects.toThrow(/refusing/);
    expect(existsSync(path.join(foreign, 'precious.txt'))).toBe(true);
  });

  it('draws other data from another seed', async () => {
    const other = await buildDemoData(path.join(tmp, 'other'), { ...OPTS, seed: 7 });
    expect(other.entries).toHaveLength(120);
    expect(other.entries.map((e) => e.documentNumber)).not.toEqual(a.entries.map((e) => e.documentNumber));
  });
});
