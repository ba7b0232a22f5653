// PDFs kept in the database itself, read by the `database` document store through the source's
// connection: what the source conformance suite (source-conformance.ts: slices, NULL, a missing
// row, refused writes) does not cover, the line named in a failing documents.query, the source it
// must share, and a whole run that attaches them through the sandbox.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseStoreAdapter } from '../../../adapters/database/blob-store.js';
import { openSqlite } from '../../../adapters/database/sqlite-driver.js';
import { AdapterConfigError, DocumentError } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { startSandbox } from '../../../src/sandbox/server.js';
import { entry } from '../../helpers/entries.js';
import { runMappingOnce } from '../../helpers/sandbox-run.js';
import { connectionYaml, mariadbErp, postgresErp, type ErpFixture } from './server-fixture.js';

const BIG = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3 * 1024 * 1024 + 12_345)]);
const SMALL = Buffer.from('%PDF-1.4\n% small\n%%EOF\n');
const QUERY = 'SELECT db_datas AS content FROM ir_attachment WHERE id = CAST(:path AS INTEGER)';

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: Error) => e,
  );
}

describe.each([
  ['PostgreSQL 15', postgresErp, 'id serial PRIMARY KEY, db_datas bytea'],
  ['MariaDB 10.11', mariadbErp, 'id int AUTO_INCREMENT PRIMARY KEY, db_datas LONGBLOB'],
])('%s', (_name, make, columns) => {
  let erp: ErpFixture;
  const ctx = () => ({ baseDir: process.cwd(), log: silentLogger, source: { type: erp.adapter.type, ...erp.options() } });
  const open = (chunkKiB: number, query = QUERY) => databaseStoreAdapter.open(databaseStoreAdapter.optionsSchema.parse({ query, chunkKiB }), ctx());

  beforeAll(async () => {
    erp = await make([]);
    await erp.admin.raw(`CREATE TABLE ir_attachment (${columns})`);
    await erp.admin('ir_attachment').insert([{ db_datas: BIG }, { db_datas: SMALL }, { db_datas: null }]);
    const grant = erp.engine === 'postgres' ? `GRANT SELECT ON ir_attachment TO ${erp.reader.user}` : `GRANT SELECT ON ${erp.database}.ir_attachment TO '${erp.reader.user}'@'%'`;
    await erp.admin.raw(grant);
  });
  afterAll(() => erp?.close());

  it('says which documents.query line fails, and refuses a write', async () => {
    const store = await open(1024, 'SELECT db_datas AS content\n  FROM ir_attachments\n WHERE id = CAST(:path AS INTEGER)');
    const e = await failure(store.stat('1'));
    await store.close();
    expect((e as DocumentError).kind).toBe('unreadable');
    expect(e.message).toMatch(/documents\.query failed .* at line 2 of documents\.query/);
    await expect(open(1024, 'DELETE FROM ir_attachment WHERE id = :path')).rejects.toThrow('documents.query refused: the query starts with DELETE');
    await expect(open(1024, 'SELECT db_datas AS content FROM ir_attachment')).rejects.toThrow(/does not use :path/);
  });
});

describe('SQLite', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-blob-'));
    const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
    db.exec('CREATE TABLE ir_attachment (id INTEGER PRIMARY KEY, db_datas BLOB)');
    const insert = db.prepare('INSERT INTO ir_attachment (id, db_datas) VALUES (?, ?)');
    insert.run(1, BIG);
    insert.run(2, SMALL);
    insert.run(3, null);
    db.close();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('needs a source it can share the connection of', async () => {
    const options = databaseStoreAdapter.optionsSchema.parse({ query: QUERY });
    await expect(databaseStoreAdapter.open(options, { baseDir: dir, log: silentLogger, source: { type: 'none' } })).rejects.toBeInstanceOf(AdapterConfigError);
    const elsewhere = { type: 'sqlite', path: 'erp.sqlite', companies: { B: { path: 'other.sqlite' } } };
    await expect(databaseStoreAdapter.open(options, { baseDir: dir, log: silentLogger, source: elsewhere })).rejects.toThrow(/source\.companies\.B connects elsewhere/);
  });
});

describe('a run with the PDFs in PostgreSQL (Odoo attachments stored in the database)', () => {
  let erp: ErpFixture;
  let dir: string;
  beforeAll(async () => {
    erp = await postgresErp([]);
    dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-blob-run-'));
    await erp.admin.raw('CREATE TABLE account_move (id serial PRIMARY KEY, name varchar NOT NULL)');
    await erp.admin.raw("CREATE TABLE ir_attachment (id serial PRIMARY KEY, res_model varchar, res_id integer, mimetype varchar, store_fname varchar, db_datas bytea)");
    await erp.admin.raw(`GRANT SELECT ON account_move, ir_attachment TO ${erp.reader.user}`);
    await erp.admin('account_move').insert([{ name: 'INV/2024/00001' }, { name: 'INV/2024/00002' }, { name: 'INV/2024/00003' }]);
    await erp.admin('ir_attachment').insert([
      { res_model: 'account.move', res_id: 1, mimetype: 'application/pdf', db_datas: BIG },
      { res_model: 'account.move', res_id: 2, mimetype: 'application/pdf', db_datas: Buffer.from('<html>not a pdf</html>') },
    ]);
  });
  afterAll(async () => {
    await erp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('attaches the PDF read from bytea, refuses what is not a PDF, and reports the invoice without attachment', async () => {
    const entries = [entry('ent_1', 'INV/2024/00001'), entry('ent_2', 'INV/2024/00002'), entry('ent_3', 'INV/2024/00003')];
    const sandbox = await startSandbox({ entries, processingDelayMs: 5 });
    try {
      const { report } = await runMappingOnce(
        dir,
        sandbox,
        `source:
${connectionYaml(erp, 'CNX_BLOB_DB_PASSWORD')}  query: |
    SELECT m.name AS "documentNumber", a.id::text AS attachment
      FROM account_move m
      LEFT JOIN ir_attachment a ON a.res_model = 'account.move' AND a.res_id = m.id AND a.mimetype = 'application/pdf'
     WHERE m.name IN (:documentNumbers)
  pathColumn: attachment
documents:
  type: database
  query: SELECT db_datas AS content FROM ir_attachment WHERE id = CAST(:path AS integer)
  chunkKiB: 512
`,
        { CNX_BLOB_DB_PASSWORD: erp.reader.password },
      );
      const outcome = Object.fromEntries(report.entries.map((e) => [e.entryId, `${e.outcome}/${e.reasonCode}`]));
      expect(outcome).toEqual({ ent_1: 'attached/attached', ent_2: 'invalid_document/not_a_pdf', ent_3: 'file_missing/no_path_in_row' });
      const attached = sandbox.state().entries.find((e) => e.id === 'ent_1')!.attached!;
      expect(attached.sha256).toBe(createHash('sha256').update(BIG).digest('hex'));
    } finally {
      await sandbox.close();
    }
  });
});
