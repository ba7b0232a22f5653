// The ready mapping files of mappings/templates/, each loaded as an integrator would (only the
// CHANGE lines changed) and run against a small database built from the ERP's own schema:
// Dolibarr and ERPNext on MariaDB 10.11, Odoo on PostgreSQL 15, Sage 100 compiled for SQL Server
// and SAP Business One compiled and answered at the SQL level (no server runs here), and the
// no-database template against a folder.
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
import { candidatesOf } from '../../../src/pipeline/candidates.js';
import { lookupByCompany } from '../../../src/pipeline/company-sources.js';
import { OutcomeLedger } from '../../../src/pipeline/ledger.js';
import { entry } from '../../helpers/entries.js';
import { recordMssql } from '../../helpers/recording-mssql.js';
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

/** Looks the entries up and settles them as `run` does: entry id -> the path to read, or the outcome and its reason. */
async function settled(loaded: LoadedMapping, entries: Entry[]): Promise<Record<string, string>> {
  const normalise = makeNormaliser(loaded.mapping.match);
  const ctx = { baseDir: loaded.baseDir, log: silentLogger };
  const result = await lookupByCompany({ sources: loaded.bound.source, entries, normalise, ctx, stage: (_n, work) => work() });
  const ledger = new OutcomeLedger();
  const out: Record<string, string> = {};
  for (const c of candidatesOf(result.groups, result.found, null, ledger)) for (const e of c.group.entries) out[e.id] = c.path;
  for (const row of ledger.rows(entries)) if (row.reasonCode !== 'not_handled') out[row.entryId] = `${row.outcome}: ${row.reason}`;
  return out;
}

/** Writes a PDF at each path under a fresh documents root and checks the store finds them. */
async function storeFinds(loaded: LoadedMapping, found: string[]): Promise<boolean[]> {
  const root = await mkdtemp(path.join(dir, 'docs-'));
  for (const p of found) {
    // A path written with Windows separators names the same file.
    const file = path.join(root, ...p.split(/[\\/]/));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '%PDF-1.4\n');
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

describe('ERPNext on MariaDB 10.11', () => {
  let erp: ErpFixture;
  const NO_PATH = 'file_missing: the accounting database has this document but no PDF path for it';
  beforeAll(async () => {
    erp = await mariadbErp([]);
    // The columns of Frappe's tables that matter here, as Frappe creates them (a name with a
    // space, varchar(140) names, int(1) checks, datetime(6), file_url a Code field: longtext).
    const frappe = 'ENGINE=InnoDB ROW_FORMAT=DYNAMIC CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci';
    await erp.admin.raw(`CREATE TABLE \`tabSales Invoice\` (
      name varchar(140) NOT NULL,
      creation datetime(6) DEFAULT NULL,
      modified datetime(6) DEFAULT NULL,
      owner varchar(140) DEFAULT NULL,
      docstatus int(1) NOT NULL DEFAULT 0,
      idx int(8) NOT NULL DEFAULT 0,
      naming_series varchar(140) DEFAULT NULL,
      customer varchar(140) DEFAULT NULL,
      company varchar(140) DEFAULT NULL,
      posting_date date DEFAULT NULL,
      is_return int(1) NOT NULL DEFAULT 0,
      status varchar(140) DEFAULT 'Draft',
      grand_total decimal(21,9) NOT NULL DEFAULT 0.000000000,
      PRIMARY KEY (name)
    ) ${frappe}`);
    await erp.admin.raw(`CREATE TABLE tabFile (
      name varchar(140) NOT NULL,
      creation datetime(6) DEFAULT NULL,
      modified datetime(6) DEFAULT NULL,
      owner varchar(140) DEFAULT NULL,
      docstatus int(1) NOT NULL DEFAULT 0,
      file_name varchar(140) DEFAULT NULL,
      is_private int(1) NOT NULL DEFAULT 0,
      file_type varchar(140) DEFAULT NULL,
      is_home_folder int(1) NOT NULL DEFAULT 0,
      is_attachments_folder int(1) NOT NULL DEFAULT 0,
      file_size bigint(20) NOT NULL DEFAULT 0,
      file_url longtext DEFAULT NULL,
      folder varchar(140) DEFAULT NULL,
      is_folder int(1) NOT NULL DEFAULT 0,
      attached_to_doctype varchar(140) DEFAULT NULL,
      attached_to_name varchar(140) DEFAULT NULL,
      attached_to_field varchar(140) DEFAULT NULL,
      content_hash varchar(140) DEFAULT NULL,
      PRIMARY KEY (name),
      KEY attached_to_doctype_attached_to_name_index (attached_to_doctype, attached_to_name)
    ) ${frappe}`);
    const invoice = (name: string, docstatus: number, over: Record<string, unknown> = {}) => ({
      name,
      docstatus,
      status: ['Draft', 'Unpaid', 'Cancelled'][docstatus],
      creation: '2024-01-05 09:00:00.000000',
      naming_series: 'ACC-SINV-.YYYY.-',
      company: 'ACME France',
      posting_date: '2024-01-05',
      ...over,
    });
    await erp.admin('tabSales Invoice').insert([
      invoice('ACC-SINV-2024-00001', 1),
      invoice('ACC-SINV-2024-00002', 1),
      invoice('ACC-SINV-2024-00003', 2),
      invoice('ACC-SINV-2024-00004', 0),
      invoice('ACC-SINV-2024-00005', 1),
      invoice('ACC-SINV-2024-00006', 1),
      invoice('ACC-SINV-RET-2024-00001', 1, { naming_series: 'ACC-SINV-RET-.YYYY.-', is_return: 1 }),
    ]);
    let n = 0;
    const file = (to: string, url: string | null, creation: string, over: Record<string, unknown> = {}) => ({
      name: `f${String(++n).padStart(9, '0')}`,
      file_name: url?.split('/').pop() ?? null,
      file_url: url,
      is_private: url?.startsWith('/private/') ? 1 : 0,
      folder: 'Home/Attachments',
      attached_to_doctype: 'Sales Invoice',
      attached_to_name: to,
      creation,
      ...over,
    });
    await erp.admin('tabFile').insert([
      // Printed to a private file, then a signed copy made public a day later: the newest is taken.
      file('ACC-SINV-2024-00001', '/private/files/ACC-SINV-2024-00001.pdf', '2024-01-05 10:00:00.000000'),
      file('ACC-SINV-2024-00001', '/files/ACC-SINV-2024-00001-signed.pdf', '2024-01-06 08:30:00.000000'),
      // A newer attachment that is no PDF is left out.
      file('ACC-SINV-2024-00002', '/private/files/Facture été 00002.pdf', '2024-01-07 10:00:00.000000'),
      file('ACC-SINV-2024-00002', '/private/files/photo-livraison.png', '2024-01-08 10:00:00.000000'),
      file('ACC-SINV-2024-00003', '/private/files/ACC-SINV-2024-00003.pdf', '2024-01-07 10:00:00.000000'),
      // A link to another site, and a folder: neither is a file of the site.
      file('ACC-SINV-2024-00005', 'https://cdn.example.com/ACC-SINV-2024-00005.pdf', '2024-01-09 10:00:00.000000'),
      file('ACC-SINV-2024-00005', null, '2024-01-09 11:00:00.000000', { is_folder: 1, file_name: 'Scans' }),
      // Attached to another doctype of the same name.
      file('ACC-SINV-2024-00006', '/private/files/ACC-SINV-2024-00006.pdf', '2024-01-09 10:00:00.000000', { attached_to_doctype: 'Sales Order' }),
      file('ACC-SINV-RET-2024-00001', '/files/ACC-SINV-RET-2024-00001.PDF', '2024-01-10 10:00:00.000000'),
    ]);
  });
  afterAll(() => erp?.close());

  it("takes a submitted invoice's newest PDF under the site's private or public files, and withholds cancelled and draft ones", async () => {
    const loaded = await loadTemplate(
      'erpnext.yaml',
      { 'source.host': erp.info.host, 'source.port': erp.info.port, 'source.database': erp.database, 'source.user': erp.reader.user },
      { ERPNEXT_DB_PASSWORD: erp.reader.password },
    );
    expect(loaded.mapping.source.withheldColumn).toBe('withheld');
    expect(loaded.mapping.documents).toMatchObject({ type: 'sftp', root: '/home/frappe/frappe-bench/sites/site1.local' });
    const found = await settled(loaded, [
      entry('signed', 'ACC-SINV-2024-00001'),
      entry('accents', 'acc-sinv-2024-00002'),
      entry('cancelled', 'ACC-SINV-2024-00003'),
      entry('draft', 'ACC-SINV-2024-00004'),
      entry('link', 'ACC-SINV-2024-00005'),
      entry('order', 'ACC-SINV-2024-00006'),
      entry('return', 'ACC-SINV-RET-2024-00001', { type: 'credit_note' }),
      entry('manual', 'OD-2024-0001'),
    ]);
    expect(found).toEqual({
      signed: 'public/files/ACC-SINV-2024-00001-signed.pdf',
      accents: 'private/files/Facture été 00002.pdf',
      cancelled: 'withheld: the ERP says: cancelled in ERPNext; not sent',
      draft: 'withheld: the ERP says: draft in ERPNext; not sent',
      link: NO_PATH,
      order: NO_PATH,
      return: 'public/files/ACC-SINV-RET-2024-00001.PDF',
      manual: 'not_found: no document with this number in the accounting database',
    });
    // The site's folder as the store's root: each path is a file under it.
    expect(await storeFinds(loaded, [found['signed']!, found['accents']!, found['return']!])).toEqual([true, true, true]);
  });

  it('looks each company up with its own query', async () => {
    const template = await readFile(path.join(TEMPLATES, 'erpnext.yaml'), 'utf8');
    const company = /^#     FR01:\n#       query: \|\n((?:#         .*\n)+)/m.exec(template)![1]!.replace(/^# {8}/gm, '');
    const loaded = await loadTemplate(
      'erpnext.yaml',
      {
        'source.host': erp.info.host,
        'source.port': erp.info.port,
        'source.database': erp.database,
        'source.user': erp.reader.user,
        'source.companies': { FR01: { query: company }, BE01: { query: company.replace("'ACME France'", "'ACME Belgium'") } },
      },
      { ERPNEXT_DB_PASSWORD: erp.reader.password },
    );
    const found = await settled(loaded, [entry('fr', 'ACC-SINV-2024-00001', { companyCode: 'FR01' }), entry('fr-c', 'ACC-SINV-2024-00003', { companyCode: 'FR01' }), entry('be', 'ACC-SINV-2024-00001', { companyCode: 'BE01' })]);
    expect(found).toEqual({
      fr: 'public/files/ACC-SINV-2024-00001-signed.pdf',
      'fr-c': 'withheld: the ERP says: cancelled in ERPNext; not sent',
      be: 'not_found: no document with this number in the accounting database',
    });
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

describe('SAP Business One for SQL Server (at the SQL level: no SQL Server runs here)', () => {
  const load = () => loadTemplate('sap-business-one.yaml', {}, { B1_DB_PASSWORD: 'b1-password-unused' });

  it('loads, passes the read-only guard and compiles to one statement with a parameter per number', async () => {
    const loaded = await load();
    const { source } = loaded.mapping;
    expect(source).toMatchObject({ type: 'mssql', host: 'B1SERVER', database: 'SBODEMOUS', encrypt: true, trustServerCertificate: false, pathColumn: 'path', withheldColumn: 'withheld' });
    expect(loaded.mapping.documents).toEqual({ type: 'local', root: '\\\\B1SERVER\\B1_SHF' });
    const settings = mssqlSettings(source as never, await loadMssqlDriver());
    const compiled = new KnexSource(createKnex({ client: 'mssql' }), sourceQuery(source), mssqlDialect(mssqlTarget(settings, false)));
    const native = compiled.compile({ documentNumbers: ['1001', 'OD-12'], normalizedNumbers: ['1001', 'OD-12'] }).toSQL().toNative();
    expect(native.sql).toContain('FROM dbo.OINV i');
    expect(native.sql).toContain('OUTER APPLY (');
    expect(native.sql).toMatch(/WHERE CAST\(i\.DocNum AS nvarchar\(11\)\) IN \(@p0, @p1\)\s*$/);
    // The T-SQL strings reach the server as written: knex takes no backslash for an escape.
    expect(native.sql).toContain("CASE WHEN a.trgtPath LIKE N'\\\\%' THEN");
    expect(native.sql).toContain("SUBSTRING(a.trgtPath + N'\\', CHARINDEX(N'\\', a.trgtPath + N'\\', CHARINDEX(N'\\', a.trgtPath, 3) + 1) + 1, 4000)");
    expect(native.sql.match(/@p\d+/g)).toEqual(['@p0', '@p1']);
    expect(native.bindings).toEqual(['1001', 'OD-12']);
    await compiled.close();
  });

  it('sends that statement, and settles the rows a server answers: the PDF under the share, cancelled ones withheld', async () => {
    const loaded = await load();
    // The rows SQL Server returns for the template's SELECT list: DocNum an int, path and withheld nvarchar or NULL.
    const rows = [
      { documentNumber: 1001, path: 'Attachments\\INV1001.pdf', withheld: null },
      { documentNumber: 1002, path: 'Attachments\\j.martin\\Facture 1002 été.pdf', withheld: null },
      { documentNumber: 1003, path: 'Attachments\\INV1003.pdf', withheld: 'cancelled in SAP Business One' },
      { documentNumber: 1004, path: null, withheld: 'a cancellation document in SAP Business One' },
      { documentNumber: 1005, path: null, withheld: null },
    ];
    const server = recordMssql((sql) => (sql === 'select 1' ? [{ '': 1 }] : sql.includes('FROM dbo.OINV') ? rows : []));
    try {
      const entries = ['1001', '1002', '1003', '1004', '1005', 'OD-12'].map((n) => entry(`e${n}`, n));
      const found = await settled(loaded, entries);
      expect(found).toEqual({
        e1001: 'Attachments\\INV1001.pdf',
        e1002: 'Attachments\\j.martin\\Facture 1002 été.pdf',
        e1003: 'withheld: the ERP says: cancelled in SAP Business One; not sent',
        e1004: 'withheld: the ERP says: a cancellation document in SAP Business One; not sent',
        e1005: 'file_missing: the accounting database has this document but no PDF path for it',
        'eOD-12': 'not_found: no document with this number in the accounting database',
      });
      const lookup = server.sent.filter((s) => s.sql.includes('FROM dbo.OINV'));
      expect(lookup).toHaveLength(1);
      expect(lookup[0]).toMatchObject({ database: 'SBODEMOUS', parameters: ['1001', '1002', '1003', '1004', '1005', 'OD-12'] });
      expect(lookup[0]!.sql).toContain("LOWER(l.FileExt) = N'pdf'");
      expect(lookup[0]!.sql).toContain('ORDER BY l.[Date] DESC, l.Line DESC');
      // The share as the store's root: the paths, written with backslashes, are files under it.
      expect(await storeFinds(loaded, [found['e1001']!, found['e1002']!])).toEqual([true, true]);
    } finally {
      server.restore();
    }
  });

  it('keeps one database per company with source.companies', async () => {
    const loaded = await loadTemplate('sap-business-one.yaml', { 'source.companies': { US01: { database: 'SBODEMOUS' }, FR01: { database: 'SBODEMOFR' } } }, { B1_DB_PASSWORD: 'x-unused' });
    expect(loaded.mapping.source.companies).toEqual({ US01: { database: 'SBODEMOUS' }, FR01: { database: 'SBODEMOFR' } });
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
