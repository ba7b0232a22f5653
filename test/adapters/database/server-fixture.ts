// A small ERP database on the test servers: one database per test file, an invoice table, and a
// user with SELECT only (the GRANTs docs/databases.md gives), so the tests connect as an
// integrator's connector would.
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { inject } from 'vitest';
import { mysqlAdapter } from '../../../adapters/database/mysql.js';
import { postgresAdapter } from '../../../adapters/database/postgres.js';
import type { DatabaseAdapter } from '../../../adapters/types.js';
import type { ServerInfo } from '../../services/server-info.js';
import { standardRows, type InvoiceRow } from './invoice-rows.js';

export { BULK, standardRows, type InvoiceRow } from './invoice-rows.js';

export interface ErpFixture {
  engine: 'postgres' | 'mariadb';
  adapter: DatabaseAdapter<any>;
  info: ServerInfo;
  database: string;
  reader: { user: string; password: string };
  /** Administrator connection to the fixture's database. */
  admin: Knex;
  /** Reader options as the mapping file gives them (after references are resolved), parsed. */
  options(over?: Record<string, unknown>): any;
  /** Options for an encrypted connection: encrypted only, or checked with or without the server's CA. */
  tls(mode: 'encrypt' | 'verify' | 'verify-with-ca'): Record<string, unknown>;
  /** A column telling whether the session is encrypted (true or a cipher name). */
  encryptedColumn: string;
  /** Creates another database (or schema on PostgreSQL) with the same table, readable by the reader. */
  addLedger(name: string, rows: InvoiceRow[]): Promise<void>;
  close(): Promise<void>;
}

/** The connection keys of `source:` as a mapping file writes them, the reader's password a reference to `passwordEnv`. */
export function connectionYaml(erp: ErpFixture, passwordEnv: string): string {
  return (
    `  type: ${erp.adapter.type}\n  host: ${erp.info.host}\n  port: ${erp.info.port}\n` +
    `  database: ${erp.database}\n  user: ${erp.reader.user}\n  password: \${env:${passwordEnv}}\n`
  );
}


const suffix = () => randomBytes(4).toString('hex');


async function createInvoices(db: Knex, rows: InvoiceRow[]): Promise<void> {
  await db.schema.createTable('invoices', (t) => {
    t.string('number', 40).notNullable().index();
    t.string('pdf', 200).nullable();
    t.integer('year').nullable();
    t.date('issued').nullable();
  });
  await db.batchInsert(
    'invoices',
    rows.map((r) => ({ number: r.number, pdf: r.pdf, year: r.year ?? 2024, issued: r.issued ?? '2024-01-31' })),
    1000,
  );
}

export async function postgresErp(rows = standardRows()): Promise<ErpFixture> {
  const info = inject('postgres');
  const database = `erp_${suffix()}`;
  const reader = { user: `reader_${suffix()}`, password: `pw-${randomBytes(8).toString('hex')}` };
  const server = knexFactory({ client: 'pg', connection: { host: info.host, port: info.port, user: info.user, password: info.password, database: info.database }, pool: { min: 0, max: 1 } });
  await server.raw(`CREATE DATABASE ${database}`);
  await server.raw(`CREATE ROLE ${reader.user} LOGIN PASSWORD '${reader.password}'`);
  await server.destroy();
  const admin = knexFactory({ client: 'pg', connection: { host: info.host, port: info.port, user: info.user, password: info.password, database }, pool: { min: 0, max: 2 } });
  await createInvoices(admin, rows);
  // The read-only GRANTs of docs/databases.md.
  await admin.raw(`GRANT CONNECT ON DATABASE ${database} TO ${reader.user}`);
  await admin.raw(`GRANT USAGE ON SCHEMA public TO ${reader.user}`);
  await admin.raw(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader.user}`);
  return {
    engine: 'postgres',
    adapter: postgresAdapter,
    tls: (mode) => ({ sslMode: mode === 'encrypt' ? 'require' : 'verify-full', ...(mode === 'verify-with-ca' ? { sslRootCert: info.tlsCert } : {}) }),
    encryptedColumn: '(SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())',
    info,
    database,
    reader,
    admin,
    options: (over = {}) =>
      postgresAdapter.optionsSchema.parse({ host: info.host, port: info.port, database, user: reader.user, password: reader.password, ...over }),
    async addLedger(name, ledgerRows) {
      await admin.raw(`CREATE SCHEMA ${name}`);
      await admin.schema.withSchema(name).createTable('invoices', (t) => {
        t.string('number', 40).notNullable();
        t.string('pdf', 200).nullable();
        t.integer('year').nullable();
        t.date('issued').nullable();
      });
      if (ledgerRows.length) await admin.withSchema(name).table('invoices').insert(ledgerRows.map((r) => ({ number: r.number, pdf: r.pdf, year: r.year ?? 2024 })));
      await admin.raw(`GRANT USAGE ON SCHEMA ${name} TO ${reader.user}`);
      await admin.raw(`GRANT SELECT ON ALL TABLES IN SCHEMA ${name} TO ${reader.user}`);
    },
    async close() {
      await admin.destroy();
    },
  };
}

export async function mariadbErp(rows = standardRows()): Promise<ErpFixture> {
  const info = inject('mariadb');
  const database = `erp_${suffix()}`;
  const reader = { user: `reader_${suffix()}`, password: `pw-${randomBytes(8).toString('hex')}` };
  const connection = { host: info.host, port: info.port, user: info.user, password: info.password };
  const server = knexFactory({ client: 'mysql2', connection, pool: { min: 0, max: 1 } });
  await server.raw(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
  // The read-only GRANT of docs/databases.md.
  await server.raw(`CREATE USER '${reader.user}'@'%' IDENTIFIED BY '${reader.password}'`);
  await server.raw(`GRANT SELECT ON ${database}.* TO '${reader.user}'@'%'`);
  await server.destroy();
  const admin = knexFactory({ client: 'mysql2', connection: { ...connection, database, charset: 'utf8mb4' }, pool: { min: 0, max: 2 } });
  await createInvoices(admin, rows);
  return {
    engine: 'mariadb',
    adapter: mysqlAdapter,
    tls: (mode) => ({ sslMode: mode === 'encrypt' ? 'REQUIRED' : 'VERIFY_IDENTITY', ...(mode === 'verify-with-ca' ? { sslCa: info.tlsCert } : {}) }),
    encryptedColumn: "(SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher')",
    info,
    database,
    reader,
    admin,
    options: (over = {}) =>
      mysqlAdapter.optionsSchema.parse({ host: info.host, port: info.port, database, user: reader.user, password: reader.password, ...over }),
    async addLedger(name, ledgerRows) {
      await admin.raw(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
      await admin.raw(`CREATE TABLE ${name}.invoices (number VARCHAR(40) NOT NULL, pdf VARCHAR(200), year INT, issued DATE)`);
      if (ledgerRows.length) await admin.withSchema(name).table('invoices').insert(ledgerRows.map((r) => ({ number: r.number, pdf: r.pdf, year: r.year ?? 2024 })));
      await admin.raw(`GRANT SELECT ON ${name}.* TO '${reader.user}'@'%'`);
    },
    async close() {
      await admin.destroy();
    },
  };
}
