// What each server does for itself: refusing writes in the session's read-only transactions,
// MariaDB's NO_BACKSLASH_ESCAPES; one ledger per schema or database is in the conformance suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryFailedError } from '../../../adapters/database/errors.js';
import { AdapterConfigError } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { mariadbErp, postgresErp, type ErpFixture } from './server-fixture.js';

const ctx = { baseDir: process.cwd(), log: silentLogger };

describe('PostgreSQL 15', () => {
  let erp: ErpFixture;
  beforeAll(async () => {
    erp = await postgresErp();
  });
  afterAll(() => erp?.close());

  it('runs look-ups in read-only transactions: a write hidden in a SELECT is refused, even for a superuser', async () => {
    await erp.admin.raw('CREATE SEQUENCE invoice_seq');
    const admin = erp.options({ user: erp.info.user, password: erp.info.password });
    const source = await erp.adapter.open(admin, { sql: "SELECT nextval('invoice_seq') AS n FROM invoices WHERE number IN (:documentNumbers)" }, ctx);
    const e = await source.lookup({ documentNumbers: ['FA-00001'], normalizedNumbers: [] }).catch((x: Error) => x);
    await source.close();
    expect(e).toBeInstanceOf(QueryFailedError);
    expect((e as Error).message).toContain('cannot execute nextval() in a read-only transaction');
    const [{ last_value, is_called }] = (await erp.admin.raw('SELECT last_value, is_called FROM invoice_seq')).rows;
    expect([Number(last_value), is_called]).toEqual([1, false]);
  });

  it('begins every batch READ ONLY, even after a query turned the session\'s default off', async () => {
    await erp.admin.raw('CREATE SEQUENCE invoice_seq2');
    const admin = erp.options({ user: erp.info.user, password: erp.info.password });
    const sql = `SELECT number AS "documentNumber",
            set_config('default_transaction_read_only', 'off', false) AS unlocked,
            CASE WHEN number = 'FA-00002' THEN nextval('invoice_seq2') END AS n
       FROM invoices WHERE number IN (:documentNumbers)`;
    const source = await erp.adapter.open(admin, { sql }, ctx);
    const first = await source.lookup({ documentNumbers: ['FA-00001'], normalizedNumbers: [] });
    const second = await source.lookup({ documentNumbers: ['FA-00002'], normalizedNumbers: [] }).catch((x: Error) => x);
    await source.close();
    expect(first).toMatchObject([{ documentNumber: 'FA-00001', unlocked: 'off' }]);
    expect(second).toBeInstanceOf(QueryFailedError);
    expect((second as Error).message).toContain('cannot execute nextval() in a read-only transaction');
  });

  it('stops a query that runs past queryTimeoutSeconds', async () => {
    const source = await erp.adapter.open(erp.options({ queryTimeoutSeconds: 1 }), { sql: 'SELECT number, pg_sleep(3) AS s FROM invoices WHERE number IN (:documentNumbers)' }, ctx);
    const e = await source.lookup({ documentNumbers: ['FA-00001'], normalizedNumbers: [] }).catch((x: Error) => x);
    await source.close();
    expect(e).toBeInstanceOf(AdapterConfigError);
    expect((e as Error).message).toMatch(/^source\.query ran longer than source\.queryTimeoutSeconds \(1 s\) on the PostgreSQL server at .* and was stopped/);
  });

  it('names the schema searched when a table is not found', async () => {
    const source = await erp.adapter.open(erp.options({ schema: 'ledger_typo' }), { sql: 'SELECT number FROM invoices WHERE number IN (:documentNumbers)' }, ctx);
    const e = await source.lookup({ documentNumbers: ['FA-00001'], normalizedNumbers: [] }).catch((x: Error) => x);
    await source.close();
    expect(e).toBeInstanceOf(QueryFailedError);
    expect((e as Error).message).toContain('relation "invoices" does not exist');
    expect((e as Error).message).toContain('Tables without a schema are looked for in the schema ledger_typo (source.schema).');
  });
});

describe('MariaDB 10.11', () => {
  let erp: ErpFixture;
  beforeAll(async () => {
    erp = await mariadbErp();
  });
  afterAll(() => erp?.close());

  it('runs look-ups in read-only transactions: a write hidden in a SELECT is refused, even for an administrator', async () => {
    await erp.admin.raw('CREATE TABLE audit (n INT)');
    await erp.admin.raw('CREATE FUNCTION audit_write() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO audit VALUES (1); RETURN 1; END');
    const admin = erp.options({ user: erp.info.user, password: erp.info.password });
    const source = await erp.adapter.open(admin, { sql: 'SELECT audit_write() AS n FROM invoices WHERE number IN (:documentNumbers)' }, ctx);
    const e = await source.lookup({ documentNumbers: ['FA-00001'], normalizedNumbers: [] }).catch((x: Error) => x);
    await source.close();
    expect(e).toBeInstanceOf(QueryFailedError);
    expect((e as Error).message).toMatch(/READ ONLY transaction/i);
    expect((await erp.admin('audit').count({ n: '*' }))[0]).toMatchObject({ n: 0 });
  });

  it('stops a query that runs past queryTimeoutSeconds', async () => {
    const source = await erp.adapter.open(erp.options({ queryTimeoutSeconds: 1 }), { sql: 'SELECT number, SLEEP(3) AS s FROM invoices WHERE number IN (:documentNumbers)' }, ctx);
    const started = Date.now();
    const e = await source.lookup({ documentNumbers: ['FA-00001'], normalizedNumbers: [] }).catch((x: Error) => x);
    await source.close();
    expect(e).toBeInstanceOf(AdapterConfigError);
    expect((e as Error).message).toMatch(/^source\.query ran longer than source\.queryTimeoutSeconds \(1 s\) on the MySQL\/MariaDB server at .* and was stopped/);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('keeps numbers as text when the server runs with NO_BACKSLASH_ESCAPES', async () => {
    const [[{ mode }]] = await erp.admin.raw('SELECT @@GLOBAL.sql_mode AS mode');
    await erp.admin.raw(`SET GLOBAL sql_mode = '${mode ? `${mode},` : ''}NO_BACKSLASH_ESCAPES'`);
    try {
      const source = await erp.adapter.open(erp.options(), { sql: 'SELECT number, pdf FROM invoices WHERE number IN (:documentNumbers)' }, ctx);
      const injected = await source.lookup({ documentNumbers: ["x\\' OR 1=1 -- "], normalizedNumbers: [] });
      const backslash = await source.lookup({ documentNumbers: ['FA\\1'], normalizedNumbers: [] });
      await source.close();
      expect(injected).toEqual([]);
      expect(backslash).toEqual([{ number: 'FA\\1', pdf: 'backslash.pdf' }]);
    } finally {
      await erp.admin.raw(`SET GLOBAL sql_mode = '${mode}'`);
    }
  });
});
