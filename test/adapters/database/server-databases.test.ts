// The same behaviour asked of PostgreSQL 15 and MariaDB 10.11, both real servers started by the
// global setup (test/services/), reached as a user with SELECT only.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnreachableError, QueryFailedError } from '../../../adapters/database/errors.js';
import { QueryRefusedError } from '../../../adapters/database/knex-source.js';
import { AdapterConfigError, CredentialsRefusedError, UntrustedServerError, type SourceQuery } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { MatchSectionSchema, type SourceSection } from '../../../src/mapping/schema.js';
import { groupEntries } from '../../../src/match/groups.js';
import { makeNormaliser } from '../../../src/match/normalise.js';
import { lookupDocuments } from '../../../src/pipeline/lookup.js';
import { freePort } from '../../services/local-server.js';
import { entry } from '../../helpers/entries.js';
import { BULK, mariadbErp, postgresErp, type ErpFixture } from './server-fixture.js';
import { counting } from '../../helpers/sources.js';
import { UNKNOWN_HOST, answerUnknownHosts } from '../../helpers/dns.js';

const ctx = { baseDir: process.cwd(), log: silentLogger };
const normalise = makeNormaliser(MatchSectionSchema.parse({}));
const SQL = 'SELECT number AS documentNumber, pdf AS path, year, issued FROM invoices WHERE number IN (:documentNumbers)';

const section = (over: Partial<SourceSection> = {}): SourceSection => ({
  type: 'x',
  query: SQL,
  documentNumberColumn: 'documentNumber',
  pathColumn: 'path',
  ...over,
});


async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe.each([
  ['PostgreSQL 15', postgresErp],
  ['MariaDB 10.11', mariadbErp],
])('%s', (_name, make) => {
  let erp: ErpFixture;
  const open = (query: SourceQuery = { sql: SQL }, over: Record<string, unknown> = {}) => erp.adapter.open(erp.options(over), query, ctx);

  beforeAll(async () => {
    erp = await make();
  });
  afterAll(() => erp?.close());

  it('finds every number in batches no larger than batchSize, one query per batch', async () => {
    const source = counting(await open());
    const entries = Array.from({ length: 2500 }, (_, i) => entry(`e${i}`, `FA-${String(i + 1).padStart(5, '0')}`));
    entries.push(entry('x1', 'fa-00001'), entry('x2', 'OD-1'));
    const found = await lookupDocuments(source, section({ batchSize: 1000 }), groupEntries(entries, normalise), normalise);
    await source.close();
    expect(source.calls.length).toBe(3);
    expect(Math.max(...source.calls.map((c) => c.documentNumbers.length))).toBeLessThanOrEqual(1000);
    expect(found.size).toBe(2500);
    expect(found.get(normalise('FA-00017'))).toEqual({ paths: ['2024/FA-17.pdf'], rowsWithoutPath: 0 });
  });

  it('binds numbers as values: quotes, backslashes, accents and SQL in a number are only text', async () => {
    const source = await open();
    const rows = await source.lookup({
      documentNumbers: ["O'BRIEN-1", 'FA\\1', 'ÉTÉ-1', "x' OR '1'='1", "x\\' OR 1=1 -- ", 'FA-NOPATH'],
      normalizedNumbers: [],
    });
    await source.close();
    expect(rows.map((r) => [r['documentNumber'] ?? r['documentnumber'], r['path']]).sort()).toEqual([
      ['FA-NOPATH', null],
      ['FA\\1', 'backslash.pdf'],
      ["O'BRIEN-1", 'quote.pdf'],
      ['ÉTÉ-1', 'été/ÉTÉ-1.pdf'],
    ]);
  });

  it('runs a whole batch at the adapter limit, both lists bound, in one statement', async () => {
    const sql = 'SELECT number AS documentNumber FROM invoices WHERE number IN (:documentNumbers) OR UPPER(number) IN (:normalizedNumbers)';
    const source = await open({ sql });
    expect(source.maxBatchSize).toBeGreaterThanOrEqual(30_000);
    const numbers = Array.from({ length: source.maxBatchSize }, (_, i) => `FA-${String(i + 1).padStart(5, '0')}`);
    const rows = await source.lookup({ documentNumbers: numbers, normalizedNumbers: numbers });
    await source.close();
    expect(rows.length).toBe(BULK);
  });

  it('reads a plain table through the declarative form, with its where', async () => {
    const source = await open({ table: { name: 'invoices', columns: { documentNumber: 'number', path: 'pdf', year: 'year' }, numberColumn: 'number', where: 'year >= 2020' } });
    const rows = await source.lookup({ documentNumbers: ['FA-00002', 'FA-OLD', 'NOPE'], normalizedNumbers: [] });
    await source.close();
    expect(rows).toEqual([{ documentNumber: 'FA-00002', path: '2024/FA-2.pdf', year: 2024 }]);
  });

  it('finds the number column whatever case the database gives it (PostgreSQL lowercases unquoted names)', async () => {
    const source = await open();
    const found = await lookupDocuments(source, section(), groupEntries([entry('a', 'FA-00004')], normalise), normalise);
    await source.close();
    expect(found.get('FA-00004')!.paths).toEqual(['2024/FA-4.pdf']);
  });

  it('gives DATE columns as written, so a path template does not shift a day', async () => {
    const source = await open();
    const [row] = await source.lookup({ documentNumbers: ['FA-00003'], normalizedNumbers: [] });
    await source.close();
    expect(row!['issued']).toBe('2024-03-05');
  });

  it('refuses anything but one SELECT before connecting', async () => {
    const port = await freePort();
    const e = await failure(open({ sql: 'DELETE FROM invoices WHERE number IN (:documentNumbers)' }, { port }));
    expect(e).toBeInstanceOf(QueryRefusedError);
    expect(e.message).toMatch(/source\.query refused: the query starts with DELETE/);
  });

  it('says the login failed for the user, without echoing the password', async () => {
    const wrong = 'Wrong-Password-4711';
    const e = await failure(open(undefined, { password: wrong }));
    expect(e).toBeInstanceOf(CredentialsRefusedError);
    expect(e.message).toContain(`login failed for user "${erp.reader.user}"`);
    expect(e.message).toContain('source.user and source.password');
    expect(e.message).not.toContain(wrong);
    expect(e.message).not.toContain(erp.reader.password);
  });

  it('says the database does not exist', async () => {
    const e = await failure(open(undefined, { database: 'no_such_ledger' }));
    expect(e).toBeInstanceOf(AdapterConfigError);
    expect(e.message).toMatch(/the database "no_such_ledger" does not exist on the .* server at 127\.0\.0\.1:\d+/);
  });

  it('says the server cannot be reached when nothing listens on the port', async () => {
    const port = await freePort();
    const e = await failure(open(undefined, { port }));
    expect(e).toBeInstanceOf(DatabaseUnreachableError);
    expect(e.message).toContain(`cannot reach the `);
    expect(e.message).toContain(`127.0.0.1:${port}: the connection was refused. Check source.host and source.port`);
  });

  it('says the host name is not known, naming it and the key to check', async () => {
    const restore = answerUnknownHosts();
    try {
      const e = await failure(open(undefined, { host: UNKNOWN_HOST }));
      expect(e).toBeInstanceOf(DatabaseUnreachableError);
      expect(e.message).toContain(`the host name "${UNKNOWN_HOST}" is not known to this machine's DNS. Check its spelling in source.host`);
      expect(e.message).not.toContain(erp.reader.password);
    } finally {
      restore();
    }
  });

  it('says the server does not answer when it accepts the connection and stays silent', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const e = await failure(open(undefined, { port, connectTimeoutSeconds: 1 }));
      expect(e).toBeInstanceOf(DatabaseUnreachableError);
      expect(e.message).toContain(`127.0.0.1:${port}: no answer`);
    } finally {
      silent.close();
    }
  });

  it('encrypts the connection when asked, and checks the certificate against the CA given', async () => {
    const sql = `SELECT number AS documentNumber, ${erp.encryptedColumn} AS encrypted FROM invoices WHERE number IN (:documentNumbers)`;
    for (const mode of ['encrypt', 'verify-with-ca'] as const) {
      const source = await open({ sql }, erp.tls(mode));
      const [row] = await source.lookup({ documentNumbers: ['FA-00001'], normalizedNumbers: [] });
      await source.close();
      expect(row!['encrypted'], mode).toBeTruthy();
    }
    const plain = await open({ sql });
    const [row] = await plain.lookup({ documentNumbers: ['FA-00001'], normalizedNumbers: [] });
    await plain.close();
    expect(row!['encrypted'] || false).toBeFalsy();
  });

  it('refuses a certificate it cannot check, and says which key to set', async () => {
    const e = await failure(open(undefined, erp.tls('verify')));
    expect(e).toBeInstanceOf(UntrustedServerError);
    expect(e.message).toMatch(/^the certificate of the .* at 127\.0\.0\.1:\d+ could not be verified \(.*self.signed.*\), so nothing was sent/i);
    expect(e.message).not.toMatch(/sslMode: (require|REQUIRED)|rejectUnauthorized/);
    expect(e.message).toMatch(erp.engine === 'postgres' ? /source\.sslRootCert/ : /source\.sslCa/);
  });

  it('names the line of source.query the database points at', async () => {
    const sql = 'SELECT number AS documentNumber,\n       pdf AS path\n  FROM invoices\n WHERE numbr IN (:documentNumbers)';
    const source = await open({ sql });
    const e = await failure(source.lookup({ documentNumbers: ['FA-00001'], normalizedNumbers: [] }));
    await source.close();
    expect(e).toBeInstanceOf(QueryFailedError);
    expect((e as QueryFailedError).line).toBe(4);
    expect(e.message).toMatch(/source\.query failed on the .* at line 4 of source\.query \("WHERE numbr IN \(:documentNumbers\)"\): .*numbr/);
  });

  it('connects with a connection string', async () => {
    const scheme = erp.engine === 'postgres' ? 'postgres' : 'mysql';
    const url = `${scheme}://${erp.reader.user}:${encodeURIComponent(erp.reader.password)}@${erp.info.host}:${erp.info.port}/${erp.database}`;
    const source = await erp.adapter.open(erp.adapter.optionsSchema.parse({ connectionString: url }), { sql: SQL }, ctx);
    const rows = await source.lookup({ documentNumbers: ['FA-00009'], normalizedNumbers: [] });
    await source.close();
    expect(rows.length).toBe(1);
  });

  it('refuses a connection string mixed with the separate keys', async () => {
    const e = await failure(erp.adapter.open(erp.adapter.optionsSchema.parse({ connectionString: 'x://h/d', host: 'h' }), { sql: SQL }, ctx));
    expect(e.message).toBe('source: give either connectionString or host, not both.');
  });
});
