// A password in a connection string: refused when written in it (user:pass@, Password=, ?password=),
// and when it comes from a reference, put in so that the driver reads it whole. A password holding
// / # ? or @ must not be cut into a host name or database that messages then show.
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import parsePg from 'pg-connection-string';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../../adapters/index.js';
import { urlParts } from '../../../adapters/database/server-options.js';
import { AdapterConfigError, type DatabaseAdapter } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { MappingError, parseMapping } from '../../../src/mapping/load.js';
import { clearSecrets, redact } from '../../../src/secrets.js';
import { answerUnknownHosts } from '../../helpers/dns.js';

const FILE = path.resolve('mappings-under-test', 'db.yaml');
const ADAPTERS = builtinAdapters();
// Would make `pa` the password, `ss.invalid` the host and `w#rd` the rest, were it put in as it is.
const PASSWORD = 'pa@ss.invalid/w#rd';

const mapping = (type: string, connectionString: string) => `clearnox:
  baseUrl: https://api.clearnox.test
  clientId: connector-1
  clientSecret: \${env:CNX_SECRET}
source:
  type: ${type}
  connectionString: "${connectionString}"
  query: SELECT piece AS documentNumber, file FROM docs WHERE piece IN (:documentNumbers)
  pathColumn: file
documents:
  type: local
  root: pdfs
`;

const load = (type: string, connectionString: string, env: Record<string, string> = {}) =>
  parseMapping(mapping(type, connectionString), FILE, ADAPTERS, { env: { CNX_SECRET: 'cnx-secret-1', ...env } });

async function problems(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(MappingError);
  return (e as MappingError).message;
}

let closedPort = 0;
let restoreDns: () => void;
beforeAll(async () => {
  // A port nothing listens on: the connection is refused at once.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  restoreDns = answerUnknownHosts();
});
afterAll(() => restoreDns());
beforeEach(() => clearSecrets());

describe('a password written in a connection string', () => {
  it('is refused in the query of a URL (?password=, &sslpassword=, password1=) as in user:pass@', async () => {
    for (const cs of [
      'postgres://sync@db/odoo?password=Lit3ral-pw',
      'postgres://sync@db/odoo?sslmode=require&sslpassword=Lit3ral-pw',
      'mysql://sync@db/dolibarr?password1=Lit3ral-pw',
      'postgres://sync:Lit3ral-pw@db/odoo',
    ]) {
      const message = await problems(load(cs.startsWith('mysql') ? 'mysql' : 'postgres', cs));
      expect(message, cs).toContain('db.yaml:7 source.connectionString: holds a password itself');
      expect(message, cs).not.toContain('Lit3ral-pw');
    }
  });

  it('is refused in an ADO.NET string, whatever the keyword case', async () => {
    const message = await problems(load('mssql', 'Server=db;Database=erp;User Id=sync;PASSWORD=Lit3ral-pw'));
    expect(message).toContain('source.connectionString: holds a password itself');
    expect(message).not.toContain('Lit3ral-pw');
  });

  it('from a reference in a SQL Server string, is quoted when it holds a ; or a quote, and read whole by the driver', async () => {
    const loaded = await load('mssql', 'Server=db;Database=erp;User Id=sync;Password=${env:PW};Encrypt=true', { PW: 'a;b"c' });
    const cs = String(loaded.mapping.source['connectionString']);
    expect(cs).toBe('Server=db;Database=erp;User Id=sync;Password="a;b""c";Encrypt=true');
    const mssql = createRequire(import.meta.url)('mssql') as { ConnectionPool: { parseConnectionString(s: string): { password?: string; database?: string } } };
    expect(mssql.ConnectionPool.parseConnectionString(cs)).toMatchObject({ password: 'a;b"c', database: 'erp' });
    expect(redact('login "a;b""c" refused')).toBe('login *** refused');
    const plain = await load('mssql', 'Server=db;Password=${env:PW}', { PW: 'plain-pw-1' });
    expect(plain.mapping.source['connectionString']).toBe('Server=db;Password=plain-pw-1');
  });

  it('may come from a reference in the query, and is then encoded', async () => {
    const loaded = await load('postgres', 'postgres://sync@db/odoo?password=${env:PW}', { PW: 'a&b=c#d' });
    expect(loaded.mapping.source['connectionString']).toBe('postgres://sync@db/odoo?password=a%26b%3Dc%23d');
    expect(parsePg.parse(String(loaded.mapping.source['connectionString'])).password).toBe('a&b=c#d');
  });
});

describe('a password holding / # ? or @, from a reference', () => {
  for (const type of ['postgres', 'mysql']) {
    it(`reaches the ${type} driver whole, and no part of it shows in "cannot reach" messages`, async () => {
      const loaded = await load(type, `${type}://sync:\${env:PW}@127.0.0.1:${closedPort}/erp`, { PW: PASSWORD });
      const cs = String(loaded.mapping.source['connectionString']);
      const url = new URL(cs);
      expect([url.hostname, url.port, decodeURIComponent(url.password), url.pathname]).toEqual(['127.0.0.1', String(closedPort), PASSWORD, '/erp']);
      expect(redact(cs)).toBe('***');

      const adapter = ADAPTERS.databases.find((a) => a.type === type) as DatabaseAdapter<unknown>;
      const shape = (adapter.optionsSchema as unknown as { shape: Record<string, unknown> }).shape;
      const options = adapter.optionsSchema.parse(Object.fromEntries(Object.entries(loaded.mapping.source).filter(([k]) => k in shape)));
      const e = await adapter.open(options, { sql: 'SELECT piece FROM docs WHERE piece IN (:documentNumbers)' }, { baseDir: process.cwd(), log: silentLogger }).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(e?.message).toContain(`cannot reach the ${type === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB'} server at 127.0.0.1:${closedPort}`);
      for (const piece of ['pa@', 'ss.invalid', 'w#rd', PASSWORD]) expect(e?.message, piece).not.toContain(piece);
    });
  }
});

describe('a URL whose user info is cut by a / ? or # (a password written unencoded)', () => {
  it('is refused before connecting, and messages take no host or database from it', async () => {
    const cut = 'postgres://sync:pa@ss.invalid/w#rd@db.example/erp';
    expect(urlParts(cut)).toEqual({});
    const adapter = ADAPTERS.databases.find((a) => a.type === 'postgres') as DatabaseAdapter<unknown>;
    const e = await adapter.open(adapter.optionsSchema.parse({ connectionString: cut }), { sql: 'SELECT piece FROM docs WHERE piece IN (:documentNumbers)' }, { baseDir: process.cwd(), log: silentLogger }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(e).toBeInstanceOf(AdapterConfigError);
    expect(e?.message).toContain('source.connectionString: an @ comes after a /, ? or #');
    expect(e?.message).not.toContain('ss.invalid');
  });
});
