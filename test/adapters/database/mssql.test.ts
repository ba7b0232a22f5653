// No SQL Server can run on these machines: what is tested here is the SQL knex's mssql dialect
// compiles (the statements tedious would send), the batching against the 2,100-parameter limit,
// the connection settings handed to tedious, the explanation of tedious's errors, and a real
// connection attempt to a port where nothing listens.
import { createRequire } from 'node:module';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { DatabaseUnreachableError, QueryFailedError } from '../../../adapters/database/errors.js';
import { KnexSource, QueryRefusedError, createKnex } from '../../../adapters/database/knex-source.js';
import { loadMssqlDriver, MSSQL_MAX_PARAMETERS, mssqlAdapter, mssqlConnection, mssqlDialect, mssqlSettings, mssqlTarget } from '../../../adapters/database/mssql.js';
import { AdapterConfigError, CredentialsRefusedError, UntrustedServerError, type DatabaseSource, type SourceQuery, type SourceRow } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { MatchSectionSchema } from '../../../src/mapping/schema.js';
import { groupEntries } from '../../../src/match/groups.js';
import { makeNormaliser } from '../../../src/match/normalise.js';
import { lookupDocuments } from '../../../src/pipeline/lookup.js';
import { entry } from '../../helpers/entries.js';
import { freePort } from '../../services/local-server.js';
import { UNKNOWN_HOST, answerUnknownHosts } from '../../helpers/dns.js';

const { ConnectionError, RequestError } = createRequire(import.meta.url)('tedious') as {
  ConnectionError: new (message: string, code?: string) => Error;
  RequestError: new (message: string, code?: string) => Error & { number?: number; lineNumber?: number };
};

const ctx = { baseDir: process.cwd(), log: silentLogger };
const driver = await loadMssqlDriver();
const options = (over: Record<string, unknown> = {}) => mssqlAdapter.optionsSchema.parse({ host: 'sql01', database: 'BIJOU', user: 'clearnox', password: 'pw-not-shown-9182', ...over });
const target = mssqlTarget(mssqlSettings(options(), driver), false);
const offline = (query: SourceQuery) => new KnexSource(createKnex({ client: 'mssql' }), query, mssqlDialect(target));
const normalise = makeNormaliser(MatchSectionSchema.parse({}));

const SAGE = `SELECT DO_Piece AS documentNumber, DO_Piece + '.pdf' AS path
  FROM dbo.F_DOCENTETE
 WHERE DO_Domaine = 0 AND DO_Piece IN (:documentNumbers)`;

describe('SQL Server statements, compiled without a server', () => {
  it('binds each number as its own @p parameter in the raw SQL, on the lines of the mapping file', () => {
    const native = offline({ sql: SAGE }).compile({ documentNumbers: ['FA0001', "FA'2"], normalizedNumbers: ['FA0001', "FA'2"] }).toSQL().toNative();
    expect(native.sql).toBe(`SELECT DO_Piece AS documentNumber, DO_Piece + '.pdf' AS path
  FROM dbo.F_DOCENTETE
 WHERE DO_Domaine = 0 AND DO_Piece IN (@p0, @p1)`);
    expect(native.bindings).toEqual(['FA0001', "FA'2"]);
  });

  it('writes the table form with bracketed names and the where as given', () => {
    const source = offline({ table: { name: 'dbo.F_DOCENTETE', columns: { documentNumber: 'DO_Piece', year: 'DO_Date' }, numberColumn: 'DO_Piece', where: 'DO_Domaine = 0' } });
    const native = source.compile({ documentNumbers: ['A', 'B'], normalizedNumbers: [] }).toSQL().toNative();
    expect(native.sql).toBe('select [DO_Piece] as [documentNumber], [DO_Date] as [year] from [dbo].[F_DOCENTETE] where [DO_Piece] in (@p0, @p1) and (DO_Domaine = 0)');
  });

  it('keeps every statement within 2,098 parameters (sp_executesql takes 2 of the 2,100), counting each list the query binds', () => {
    expect(offline({ sql: SAGE }).maxBatchSize).toBe(2_098);
    const both = offline({ sql: 'SELECT a AS documentNumber FROM t WHERE a IN (:documentNumbers) OR UPPER(a) IN (:normalizedNumbers)' });
    expect(both.maxBatchSize).toBe(1_049);
    const thrice = offline({ sql: 'SELECT a FROM t WHERE a IN (:documentNumbers) OR b IN (:documentNumbers) OR c IN (:normalizedNumbers)' });
    expect(thrice.maxBatchSize).toBe(699);
  });

  it('splits 10,000 numbers (several spellings each) into statements of at most 2,098 parameters', async () => {
    const source = offline({ sql: 'SELECT a AS documentNumber, p AS path FROM t WHERE a IN (:documentNumbers) OR UPPER(a) IN (:normalizedNumbers)' });
    const sent: number[] = [];
    const recording: DatabaseSource = {
      maxBatchSize: source.maxBatchSize,
      async lookup(batch) {
        sent.push(source.compile(batch).toSQL().toNative().bindings.length);
        return batch.documentNumbers.map((n): SourceRow => ({ documentNumber: n, path: `${n}.pdf` }));
      },
      close: () => source.close(),
    };
    const entries = Array.from({ length: 10_000 }, (_, i) => entry(`e${i}`, `FA${i}`));
    for (let i = 0; i < 3_000; i++) entries.push(entry(`s${i}`, ` fa${i} `));
    const found = await lookupDocuments(recording, { type: 'mssql', query: '', documentNumberColumn: 'documentNumber', pathColumn: 'path', batchSize: 10_000 }, groupEntries(entries, normalise), normalise);
    await source.close();
    expect(found.size).toBe(10_000);
    expect(Math.max(...sent)).toBeLessThanOrEqual(MSSQL_MAX_PARAMETERS);
    expect(sent.reduce((a, b) => a + b, 0)).toBe(13_000 + 10_000);
  });

  it('refuses a write before connecting', async () => {
    await expect(mssqlAdapter.open(options(), { sql: "EXEC sp_executesql N'DELETE F_DOCENTETE'" }, ctx)).rejects.toBeInstanceOf(QueryRefusedError);
    await expect(
      mssqlAdapter.open(options(), { table: { name: 'F_DOCENTETE', columns: { documentNumber: 'DO_Piece' }, numberColumn: 'DO_Piece', where: '1=1; DROP TABLE x' } }, ctx),
    ).rejects.toThrow(/several statements/);
  });
});

describe('SQL Server connection settings handed to tedious', () => {
  const tedious = (over: Record<string, unknown>) =>
    (createKnex({ client: 'mssql', connection: mssqlConnection(mssqlSettings(options(over), driver), options(over), driver) as never }).client as { _generateConnection(): any })._generateConnection();

  it('uses a SQL Server login, encrypted, checking the certificate by default', () => {
    const cfg = tedious({});
    expect(cfg).toMatchObject({ server: 'sql01', authentication: { type: 'default', options: { userName: 'clearnox' } }, options: { database: 'BIJOU', port: 1433, encrypt: true, trustServerCertificate: false } });
  });

  it('reaches a named instance through the browser, without a port', () => {
    const cfg = tedious({ host: 'SQL01\\SAGE100', trustServerCertificate: true });
    expect(cfg.server).toBe('SQL01');
    expect(cfg.options.instanceName).toBe('SAGE100');
    expect(cfg.options.port).toBeUndefined();
    expect(cfg.options.trustServerCertificate).toBe(true);
  });

  it('uses Windows (NTLM) authentication for DOMAIN\\user or a domain', () => {
    expect(tedious({ user: 'CORP\\svc-clearnox' }).authentication).toMatchObject({ type: 'ntlm', options: { userName: 'svc-clearnox', domain: 'CORP' } });
    expect(tedious({ user: 'svc', domain: 'CORP' }).authentication).toMatchObject({ type: 'ntlm', options: { userName: 'svc', domain: 'CORP' } });
  });

  it('reads an ADO.NET connection string', () => {
    const cs = 'Server=SQL01\\SAGE100;Database=BIJOU;User Id=clearnox;Password=pw-from-env-7731;Encrypt=true;TrustServerCertificate=true';
    const cfg = tedious({ host: undefined, database: undefined, user: undefined, password: undefined, connectionString: cs });
    expect(cfg).toMatchObject({ server: 'SQL01', authentication: { options: { userName: 'clearnox', password: 'pw-from-env-7731' } }, options: { instanceName: 'SAGE100', database: 'BIJOU', trustServerCertificate: true } });
  });

  it('sends the numbers as nvarchar, or as varchar when asked, so that a varchar column keeps its index', () => {
    const typeOf = (over: Record<string, unknown>) => {
      const client = createKnex({ client: 'mssql', connection: mssqlConnection(mssqlSettings(options(over), driver), options(over), driver) as never }).client as { _typeForBinding(v: unknown): [unknown, { name: string }] };
      return client._typeForBinding('FA00012')[1].name;
    };
    expect(typeOf({})).toBe('NVarChar');
    expect(typeOf({ stringParameters: 'varchar' })).toBe('VarChar');
  });

  it('refuses a port together with a named instance', () => {
    expect(() => mssqlSettings(options({ instanceName: 'SAGE100', port: 1433 }), driver)).toThrow(/either instanceName or port/);
  });
});

describe('SQL Server errors as a person can act on them', () => {
  const explain = mssqlDialect(mssqlTarget(mssqlSettings(options({ host: 'SQL01\\SAGE100' }), driver), false)).explain;

  it('login failed names the user, never the password', () => {
    const e = explain(new ConnectionError("Login failed for user 'clearnox'.", 'ELOGIN'));
    expect(e).toBeInstanceOf(CredentialsRefusedError);
    expect(e.message).toContain('login failed for user "clearnox" on the SQL Server at SQL01\\SAGE100');
    expect(e.message).not.toContain('pw-not-shown-9182');
  });

  it('a database that cannot be opened is named', () => {
    const e = explain(new ConnectionError('Login failed for user \'clearnox\'. Reason: Cannot open database "BIJOUX" requested by the login.', 'ELOGIN'));
    expect(e.message).toContain('the database "BIJOU" does not exist');
  });

  it('an instance the browser does not know, a refused port, a self-signed certificate', () => {
    expect(explain(new ConnectionError('Port for SAGE100 not found in SQL01', 'EINSTLOOKUP')).message).toMatch(/SQL Server Browser did not answer \(UDP port 1434\)/);
    const refused = explain(new ConnectionError('Failed to connect to SQL01:1433 - connect ECONNREFUSED 10.0.0.5:1433', 'ESOCKET'));
    expect(refused).toBeInstanceOf(DatabaseUnreachableError);
    expect(refused.message).toMatch(/connection was refused/);
    const cert = explain(new ConnectionError('Failed to connect to SQL01:1433 - self-signed certificate', 'ESOCKET'));
    expect(cert).toBeInstanceOf(UntrustedServerError);
    expect(cert.message).toMatch(/^the certificate of the SQL Server at SQL01\\SAGE100 could not be verified .*Set source\.caCertificate to the CA certificate/);
    expect(cert.message).not.toMatch(/trustServerCertificate/);
  });

  it('a query stopped at requestTimeout is told apart from a server that does not answer', () => {
    const timedOut = mssqlDialect(mssqlTarget(mssqlSettings(options(), driver), false, 300)).explain(new RequestError('Timeout: Request failed to complete in 300000ms', 'ETIMEOUT'));
    expect(timedOut).toBeInstanceOf(AdapterConfigError);
    expect(timedOut.message).toMatch(/^source\.query ran longer than source\.queryTimeoutSeconds \(300 s\) on the SQL Server at sql01:1433/);
    expect(explain(new ConnectionError('Failed to connect to SQL01:1433 in 15000ms', 'ETIMEOUT'))).toBeInstanceOf(DatabaseUnreachableError);
  });

  it('a query error gives the line of source.query', () => {
    const err = new RequestError("Invalid object name 'dbo.F_DOCENTETES'.", 'EREQUEST');
    err.number = 208;
    err.lineNumber = 2;
    const e = explain(err, SAGE);
    expect(e).toBeInstanceOf(QueryFailedError);
    expect(e.message).toContain('at line 2 of source.query ("FROM dbo.F_DOCENTETE")');
  });
});

describe('SQL Server over the network', () => {
  it('says the server does not answer when something accepts the connection and stays silent', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const e = await mssqlAdapter.open(options({ host: '127.0.0.1', port, connectTimeoutSeconds: 1 }), { sql: SAGE }, ctx).catch((x: Error) => x);
      expect(e).toBeInstanceOf(DatabaseUnreachableError);
      expect((e as Error).message).toContain(`cannot reach the SQL Server at 127.0.0.1:${port}: no answer`);
    } finally {
      silent.close();
    }
  });

  it('says the server cannot be reached when nothing listens on the port (tedious, really connecting)', async () => {
    const port = await freePort();
    const e = await mssqlAdapter.open(options({ host: '127.0.0.1', port, connectTimeoutSeconds: 5 }), { sql: SAGE }, ctx).catch((x: Error) => x);
    expect(e).toBeInstanceOf(DatabaseUnreachableError);
    expect((e as Error).message).toContain(`cannot reach the SQL Server at 127.0.0.1:${port}: the connection was refused`);
    expect((e as Error).message).not.toContain('pw-not-shown-9182');
  });

  it('says the host name is not known, naming it (tedious, really resolving)', async () => {
    const restore = answerUnknownHosts();
    try {
      const e = await mssqlAdapter.open(options({ host: UNKNOWN_HOST, port: 1433, connectTimeoutSeconds: 5 }), { sql: SAGE }, ctx).catch((x: Error) => x);
      expect(e).toBeInstanceOf(DatabaseUnreachableError);
      expect((e as Error).message).toContain(`the host name "${UNKNOWN_HOST}" is not known to this machine's DNS`);
      expect((e as Error).message).not.toContain('pw-not-shown-9182');
    } finally {
      restore();
    }
  });
});
