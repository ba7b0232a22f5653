// Connecting to PostgreSQL 15 and MariaDB 10.11, both real servers started by the global setup
// (test/services/): logins, missing databases, unreachable or silent servers, TLS, connection
// strings. What every database adapter does with its queries is the source conformance suite's
// (source-conformance.ts, postgres/mariadb.conformance.test.ts).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnreachableError } from '../../../adapters/database/errors.js';
import { AdapterConfigError, CredentialsRefusedError, UntrustedServerError, type SourceQuery } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { freePort } from '../../services/local-server.js';
import { mariadbErp, postgresErp, type ErpFixture } from './server-fixture.js';
import { UNKNOWN_HOST, answerUnknownHosts } from '../../helpers/dns.js';

const ctx = { baseDir: process.cwd(), log: silentLogger };
const SQL = 'SELECT number AS documentNumber, pdf AS path, year, issued FROM invoices WHERE number IN (:documentNumbers)';

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
