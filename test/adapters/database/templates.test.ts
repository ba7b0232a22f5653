// The ready mapping files of mappings/templates/, each loaded as an integrator would (only the
// CHANGE lines changed) and run against a small database built from the ERP's own schema:
// Dolibarr on MariaDB 10.11, Odoo on PostgreSQL 15, Sage 100 compiled for SQL Server (no server
// runs here), and the no-database template against a folder.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { KnexSource, createKnex } from '../../../adapters/database/knex-source.js';
import { loadMssqlDriver, mssqlDialect, mssqlSettings, mssqlTarget } from '../../../adapters/database/mssql.js';
import { localAdapter } from '../../../adapters/documents/local.js';
import { builtinAdapters } from '../../../adapters/index.js';
import type { Entry } from '../../../src/clearnox/contract.js';
import { silentLogger } from '../../../src/log.js';
import { loadMapping } from '../../../src/mapping/load.js';
import type { LoadedMapping } from '../../../src/mapping/schema.js';
import { makeNormaliser } from '../../../src/match/normalise.js';
import { sourceQuery } from '../../../src/mapping/bind.js';
import { lookupByCompany } from '../../../src/pipeline/company-sources.js';
import { entry } from '../../helpers/entries.js';
import { mariadbErp, postgresErp, type ErpFixture } from './server-fixture.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../../mappings/templates');
const adapters = builtinAdapters();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-templates-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The template with the keys an integrator changes set to the test's values. */
async function loadTemplate(name: string, changes: Record<string, unknown>, env: Record<string, string>): Promise<LoadedMapping> {
  const doc = parseDocument(await readFile(path.join(TEMPLATES, name), 'utf8'));
  for (const [key, value] of Object.entries(changes)) doc.setIn(key.split('.'), value);
  const file = path.join(dir, name);
  await writeFile(file, doc.toString());
  return loadMapping(file, adapters, { env: { CLEARNOX_CLIENT_SECRET: 'test-client-secret', ...env } });
}

/** Looks the entries up as `run` does, and answers entry id -> the one path found (or why not). */
async function paths(loaded: LoadedMapping, entries: Entry[]): Promise<Record<string, string>> {
  const { mapping } = loaded;
  const normalise = makeNormaliser(mapping.match);
  const ctx = { baseDir: loaded.baseDir, log: silentLogger };
  const result = await lookupByCompany({ sources: loaded.bound.source, entries, normalise, ctx, stage: (_n, work) => work() });
  const out: Record<string, string> = {};
  for (const group of result.groups) {
    const match = result.found.get(group.key);
    for (const e of group.entries) out[e.id] = !match ? 'not found' : match.paths.length === 1 ? match.paths[0]! : `${match.paths.length} paths`;
  }
  return out;
}

/** Writes a PDF at each path under a fresh documents root and checks the store finds them. */
async function storeFinds(loaded: LoadedMapping, found: string[]): Promise<boolean[]> {
  const root = await mkdtemp(path.join(dir, 'docs-'));
  for (const p of found) {
    await mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await writeFile(path.join(root, p), '%PDF-1.4\n');
  }
  const store = await localAdapter.open({ root }, { baseDir: loaded.baseDir, log: silentLogger });
  const seen = await Promise.all(found.map((p) => store.stat(p).then(() => true, () => false)));
  await store.close();
  return seen;
}

describe('Dolibarr on MariaDB 10.11', () => {
  let erp: ErpFixture;
  beforeAll(async () => {
    erp = await mariadbErp([]);
    // The columns of Dolibarr's llx_facture that matter here, as its install script creates them.
    await erp.admin.raw(`CREATE TABLE llx_facture (
      rowid integer AUTO_INCREMENT PRIMARY KEY,
      ref varchar(30) NOT NULL,
      entity integer DEFAULT 1 NOT NULL,
      ref_client varchar(255),
      type smallint DEFAULT 0 NOT NULL,
      fk_soc integer NOT NULL,
      datef date,
      total_ttc double(24,8) DEFAULT 0,
      fk_statut smallint DEFAULT 0 NOT NULL,
      UNIQUE KEY uk_facture_ref (ref, entity)
    ) ENGINE=innodb`);
    await erp.admin('llx_facture').insert([
      { ref: 'FA2401-0001', entity: 1, fk_soc: 1, datef: '2024-01-05', fk_statut: 1 },
      { ref: 'FA2401-0002', entity: 1, fk_soc: 2, datef: '2024-01-09', fk_statut: 2 },
      { ref: '(PROV3)', entity: 1, fk_soc: 2, fk_statut: 0 },
      { ref: 'FA2401-0003', entity: 2, fk_soc: 7, datef: '2024-01-10', fk_statut: 1 },
    ]);
  });
  afterAll(() => erp?.close());

  it('finds validated invoices of the entity and builds facture/<ref>/<ref>.pdf', async () => {
    const loaded = await loadTemplate(
      'dolibarr.yaml',
      { 'source.host': erp.info.host, 'source.port': erp.info.port, 'source.database': erp.database, 'source.user': erp.reader.user },
      { DOLIBARR_DB_PASSWORD: erp.reader.password },
    );
    const found = await paths(loaded, [entry('e1', 'FA2401-0001'), entry('e2', 'fa2401-0002'), entry('e3', '(PROV3)'), entry('e4', 'FA2401-0003'), entry('e5', 'FA2401-0001', { type: 'installment' })]);
    expect(found).toEqual({
      e1: 'facture/FA2401-0001/FA2401-0001.pdf',
      e5: 'facture/FA2401-0001/FA2401-0001.pdf',
      e2: 'facture/FA2401-0002/FA2401-0002.pdf', // MariaDB's default collation ignores case; the path is the ERP's spelling
      e3: 'not found', // a draft
      e4: 'not found', // another entity
    });
    expect(await storeFinds(loaded, [found['e1']!])).toEqual([true]);
  });

  it('looks each multi-company entity up with its own query', async () => {
    const loaded = await loadTemplate(
      'dolibarr.yaml',
      {
        'source.host': erp.info.host,
        'source.port': erp.info.port,
        'source.database': erp.database,
        'source.user': erp.reader.user,
        'source.companies': {
          MAIN: { query: "SELECT f.ref AS documentNumber, '' AS entityFolder FROM llx_facture f WHERE f.entity = 1 AND f.fk_statut > 0 AND f.ref IN (:documentNumbers)" },
          SUB: { query: "SELECT f.ref AS documentNumber, '2/' AS entityFolder FROM llx_facture f WHERE f.entity = 2 AND f.fk_statut > 0 AND f.ref IN (:documentNumbers)" },
        },
      },
      { DOLIBARR_DB_PASSWORD: erp.reader.password },
    );
    const found = await paths(loaded, [entry('m', 'FA2401-0001', { companyCode: 'MAIN' }), entry('s', 'FA2401-0003', { companyCode: 'SUB' }), entry('x', 'FA2401-0003', { companyCode: 'MAIN' })]);
    expect(found).toEqual({ m: 'facture/FA2401-0001/FA2401-0001.pdf', s: '2/facture/FA2401-0003/FA2401-0003.pdf', x: 'not found' });
  });
});

describe('Odoo on PostgreSQL 15', () => {
  let erp: ErpFixture;
  beforeAll(async () => {
    erp = await postgresErp([]);
    // The columns of Odoo's account_move and ir_attachment that matter here.
    await erp.admin.raw(`CREATE TABLE account_move (
      id serial PRIMARY KEY,
      name varchar,
      move_type varchar NOT NULL,
      state varchar NOT NULL,
      company_id integer NOT NULL,
      date date NOT NULL
    )`);
    await erp.admin.raw(`CREATE TABLE ir_attachment (
      id serial PRIMARY KEY,
      name varchar NOT NULL,
      res_model varchar,
      res_field varchar,
      res_id integer,
      company_id integer,
      type varchar NOT NULL DEFAULT 'binary',
      store_fname varchar,
      db_datas bytea,
      mimetype varchar,
      file_size integer
    )`);
    await erp.admin.raw(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${erp.reader.user}`);
    await erp.admin('account_move').insert([
      { id: 1, name: 'INV/2024/00001', move_type: 'out_invoice', state: 'posted', company_id: 1, date: '2024-01-05' },
      { id: 2, name: 'RINV/2024/00001', move_type: 'out_refund', state: 'posted', company_id: 1, date: '2024-01-06' },
      { id: 3, name: 'INV/2024/00002', move_type: 'out_invoice', state: 'posted', company_id: 1, date: '2024-01-07' },
      { id: 4, name: 'MISC/2024/00001', move_type: 'entry', state: 'posted', company_id: 1, date: '2024-01-07' },
      { id: 5, name: 'BILL/2024/01/0001', move_type: 'in_invoice', state: 'posted', company_id: 1, date: '2024-01-08' },
    ]);
    await erp.admin('ir_attachment').insert([
      { name: 'INV_2024_00001.pdf', res_model: 'account.move', res_id: 1, store_fname: '3f/3fa2c1d0e9', mimetype: 'application/pdf' },
      { name: 'INV_2024_00001 (2).pdf', res_model: 'account.move', res_id: 1, store_fname: '9b/9b07aa4411', mimetype: 'application/pdf' },
      { name: 'logo.png', res_model: 'account.move', res_id: 1, store_fname: '11/11aa', mimetype: 'image/png' },
      { name: 'RINV_2024_00001.pdf', res_model: 'account.move', res_id: 2, store_fname: 'c4/c4d9e8f7a6', mimetype: 'application/pdf' },
      { name: 'MISC.pdf', res_model: 'account.move', res_id: 4, store_fname: '77/77', mimetype: 'application/pdf' },
      { name: 'bill.pdf', res_model: 'account.move', res_id: 5, store_fname: 'b1/b1b1b1', mimetype: 'application/pdf' },
      { name: 'INV_2024_00002.pdf', res_model: 'sale.order', res_id: 3, store_fname: '00/0000', mimetype: 'application/pdf' },
    ]);
  });
  afterAll(() => erp?.close());

  it('finds the newest PDF attachment of each posted invoice, refund or bill in the filestore', async () => {
    const loaded = await loadTemplate(
      'odoo.yaml',
      { 'source.host': erp.info.host, 'source.port': erp.info.port, 'source.database': erp.database, 'source.user': erp.reader.user },
      { ODOO_DB_PASSWORD: erp.reader.password },
    );
    const found = await paths(loaded, [
      entry('inv', 'INV/2024/00001'),
      entry('ref', 'RINV/2024/00001', { type: 'credit_note' }),
      entry('bill', 'BILL/2024/01/0001'),
      entry('nopdf', 'INV/2024/00002'),
      entry('misc', 'MISC/2024/00001'),
    ]);
    expect(found).toEqual({ inv: '9b/9b07aa4411', ref: 'c4/c4d9e8f7a6', bill: 'b1/b1b1b1', nopdf: 'not found', misc: 'not found' });
    expect(await storeFinds(loaded, [found['inv']!, found['ref']!])).toEqual([true, true]);
  });
});

describe('Sage 100 for SQL Server (compiled only: no SQL Server runs here)', () => {
  it('loads, passes the read-only guard and compiles to one statement with a parameter per number', async () => {
    const loaded = await loadTemplate('sage100.yaml', {}, { SAGE_DB_PASSWORD: 'sage-password-unused' });
    const { source } = loaded.mapping;
    expect(source).toMatchObject({ type: 'mssql', host: 'SRV-SAGE', instanceName: 'SAGE100', database: 'BIJOU', encrypt: true, trustServerCertificate: false, stringParameters: 'varchar', pathTemplate: '{{documentNumber}}.pdf' });
    const settings = mssqlSettings(source as never, await loadMssqlDriver());
    const compiled = new KnexSource(createKnex({ client: 'mssql' }), sourceQuery(source), mssqlDialect(mssqlTarget(settings, false)));
    const native = compiled.compile({ documentNumbers: ['FA00012', 'FA00013'], normalizedNumbers: ['FA00012', 'FA00013'] }).toSQL().toNative();
    expect(native.sql).toContain('FROM dbo.F_DOCENTETE');
    expect(native.sql).toMatch(/AND DO_Piece IN \(@p0, @p1\)\s*$/);
    expect(native.bindings).toEqual(['FA00012', 'FA00013']);
    expect(compiled.maxBatchSize).toBe(2_098);
    await compiled.close();
  });

  it('keeps one database per company with source.companies', async () => {
    const loaded = await loadTemplate('sage100.yaml', { 'source.companies': { BIJOU: { database: 'BIJOU' }, ACME: { database: 'ACME_SARL' } } }, { SAGE_DB_PASSWORD: 'x-unused' });
    expect(loaded.mapping.source.companies).toEqual({ BIJOU: { database: 'BIJOU' }, ACME: { database: 'ACME_SARL' } });
  });
});

describe('No database', () => {
  it('builds the path from the entry alone, and the store finds the files', async () => {
    const loaded = await loadTemplate('no-database.yaml', {}, {});
    const found = await paths(loaded, [
      entry('a', 'FA-17', { companyCode: 'ACME', entryDate: '2024-02-03' }),
      entry('b', 'AV-3', { companyCode: 'BIJOU', entryDate: '2023-12-31', type: 'credit_note' }),
    ]);
    expect(found).toEqual({ a: 'ACME/2024/FA-17.pdf', b: 'BIJOU/2023/AV-3.pdf' });
    expect(await storeFinds(loaded, Object.values(found))).toEqual([true, true]);
  });
});
