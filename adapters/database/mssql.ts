import { z } from 'zod';
import { AdapterConfigError, UntrustedServerError, type AdapterContext, type DatabaseAdapter } from '../types.js';
import { driverMessage, errorCode, loginFailed, networkProblem, noDatabase, queryFailed, queryTimedOut, tlsProblem, where, type Target } from './errors.js';
import { openKnexSource, rowsOf, type Dialect, type KnexSettings } from './knex-source.js';
import { login7GuardedConnector, type SocketConnector } from './mssql-password-guard.js';
import { checkWriteAccess, MSSQL_RIGHTS_QUERY, writeAccessSummary, type WriteRight } from './mssql-rights.js';
import { ALLOW_KEY, allowPasswordWithoutVerifiedTls, passwordRefused } from './password-guard.js';
import { readCertificate, requireServerKeys, serverShape } from './server-options.js';

const MssqlOptions = z
  .object({
    ...serverShape(
      'SQL Server',
      1433,
      'Server=SQL01\\SAGE100;Database=BIJOU;User Id=clearnox;Password=${env:ERP_DB_PASSWORD}',
    ),
    instanceName: z
      .string()
      .min(1)
      .optional()
      .describe('Named instance, e.g. SAGE100 (or write host as `SQL01\\SAGE100`), found through the SQL Server Browser (UDP 1434); leave port out.'),
    domain: z
      .string()
      .min(1)
      .optional()
      .describe('Windows domain of the user for Windows (NTLM) authentication, when user does not name it as `DOMAIN\\account`; without either, the user is a SQL Server login.'),
    encrypt: z.boolean().default(true).describe('Encrypt the connection (SQL Server 2022 and Azure require it).'),
    trustServerCertificate: z
      .boolean()
      .default(false)
      .describe(
        'Accept the server\'s certificate without checking it: whoever answers at the server\'s address then receives the login\'s password, so with a SQL Server login it is refused unless allowPasswordWithoutVerifiedTls is set (a Windows login sends no password). Give caCertificate instead.',
      ),
    caCertificate: z
      .string()
      .min(1)
      .optional()
      .describe(
        'CA certificate file (PEM) that signed the server\'s certificate (a self-signed certificate: the certificate itself), relative to the mapping file; the certificate is checked against it, and its name against host.',
      ),
    allowPasswordWithoutVerifiedTls,
    queryTimeoutSeconds: z.number().positive().default(300).describe('Longest time one look-up query may run.'),
    stringParameters: z
      .enum(['nvarchar', 'varchar'])
      .default('nvarchar')
      .describe(
        'Type the numbers are sent as. nvarchar suits every column; varchar lets SQL Server use its index on a varchar number column (Sage 100\'s DO_Piece) instead of converting every row.',
      ),
    allowWriteAccess: z
      .boolean()
      .default(false)
      .describe(
        'Connect even though the login can change the database (it is refused otherwise): SQL Server has no read-only transaction, so a wrong query could then alter the accounting data.',
      ),
  })
  .strict();

type Options = z.output<typeof MssqlOptions>;

// At most 2,100 parameters per request (knex's whereIn does not split, so the batch is split here).
// tedious runs a statement through sp_executesql, whose own @statement and @params count among
// them: a statement keeps 2,098.
export const MSSQL_MAX_PARAMETERS = 2_098;

/** The settings after a connection string, a `SERVER\INSTANCE` host or a `DOMAIN\user` are taken apart. */
export interface MssqlSettings {
  server?: string;
  port?: number;
  instanceName?: string;
  database?: string;
  user?: string;
  password?: string;
  domain?: string;
  encrypt: boolean;
  trustServerCertificate: boolean;
}

interface ParsedConnectionString {
  server?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  domain?: string;
  authentication_type?: string;
  options?: { instanceName?: string; encrypt?: boolean; trustServerCertificate?: boolean };
}

/** What the adapter takes from node-mssql and tedious. */
export interface MssqlDriver {
  /** node-mssql's parser knows the ADO.NET keywords and their aliases (Data Source, Initial Catalog, ...). */
  parseConnectionString(text: string): ParsedConnectionString;
  types: { VarChar: unknown };
  connectInSequence: SocketConnector;
}

/**
 * Loaded when a mapping file names SQL Server, not at start-up: tedious alone takes a third of a
 * second to load, which every other command would pay.
 */
export async function loadMssqlDriver(): Promise<MssqlDriver> {
  const [{ default: mssql }, { default: tedious }, { default: connector }] = await Promise.all([
    import('mssql'),
    import('tedious'),
    // Private to tedious: see mssql-password-guard.ts.
    import('tedious/lib/connector.js'),
  ]);
  const pool = mssql.ConnectionPool as unknown as { parseConnectionString(s: string): ParsedConnectionString };
  return {
    parseConnectionString: (text) => pool.parseConnectionString(text),
    types: { VarChar: tedious.TYPES.VarChar },
    connectInSequence: connector.connectInSequence as unknown as SocketConnector,
  };
}

function parseConnectionString(text: string, driver: MssqlDriver): ParsedConnectionString {
  try {
    return driver.parseConnectionString(text);
  } catch (e) {
    throw new AdapterConfigError(`source.connectionString is not a SQL Server connection string: ${driverMessage(e)}.`);
  }
}

export function mssqlSettings(o: Options, driver: MssqlDriver): MssqlSettings {
  let s: MssqlSettings;
  if (o.connectionString) {
    const p = parseConnectionString(o.connectionString, driver);
    s = {
      server: p.server,
      port: p.options?.instanceName ? undefined : p.port,
      instanceName: p.options?.instanceName,
      database: p.database,
      user: p.user,
      password: p.password,
      domain: p.domain,
      encrypt: p.options?.encrypt ?? o.encrypt,
      trustServerCertificate: p.options?.trustServerCertificate ?? o.trustServerCertificate,
    };
  } else {
    s = { ...o, server: o.host };
  }
  const named = s.server ? /^([^\\]+)\\(.+)$/.exec(s.server) : null;
  if (named) s = { ...s, server: named[1], instanceName: s.instanceName ?? named[2] };
  const qualified = s.user ? /^([^\\]+)\\(.+)$/.exec(s.user) : null;
  if (qualified) s = { ...s, domain: s.domain ?? qualified[1], user: qualified[2] };
  if (s.instanceName && s.port !== undefined) {
    throw new AdapterConfigError('source: give either instanceName or port, not both (a named instance is found through the SQL Server Browser).');
  }
  return s;
}

export function mssqlConnection(
  s: MssqlSettings,
  o: Pick<Options, 'connectTimeoutSeconds' | 'queryTimeoutSeconds' | 'stringParameters'>,
  driver: MssqlDriver,
  tls: { ca?: string; connector?: unknown } = {},
): Record<string, unknown> {
  return {
    server: s.server,
    ...(s.port !== undefined ? { port: s.port } : {}),
    database: s.database,
    user: s.user,
    password: s.password,
    ...(s.domain ? { domain: s.domain, type: 'ntlm' } : {}),
    connectionTimeout: o.connectTimeoutSeconds * 1000,
    requestTimeout: o.queryTimeoutSeconds * 1000,
    options: {
      encrypt: s.encrypt,
      trustServerCertificate: s.trustServerCertificate,
      // tedious hands these to Node's TLS: the CA then replaces the public ones.
      ...(tls.ca ? { cryptoCredentialsDetails: { ca: tls.ca } } : {}),
      ...(tls.connector ? { connector: tls.connector } : {}),
      ...(s.instanceName ? { instanceName: s.instanceName } : {}),
      appName: 'clearnox-sync',
      // Routes to a readable secondary where an availability group has one; harmless elsewhere.
      readOnlyIntent: true,
      // knex sends every string as nvarchar; against a varchar column SQL Server would then
      // convert the column, row by row, rather than seek its index.
      ...(o.stringParameters === 'varchar'
        ? { mapBinding: (value: unknown) => (typeof value === 'string' ? { value, type: driver.types.VarChar } : undefined) }
        : {}),
    },
  };
}

export function mssqlTarget(s: MssqlSettings, viaConnectionString: boolean, queryTimeoutSeconds?: number): Target {
  return {
    engine: 'SQL Server',
    host: s.instanceName ? `${s.server ?? ''}\\${s.instanceName}` : s.server,
    ...(s.instanceName ? {} : { port: s.port ?? 1433 }),
    user: s.domain ? `${s.domain}\\${s.user ?? ''}` : s.user,
    database: s.database,
    viaConnectionString,
    ...(queryTimeoutSeconds !== undefined ? { queryTimeoutSeconds } : {}),
  };
}

export function mssqlDialect(t: Target): Dialect {
  return {
    maxParameters: MSSQL_MAX_PARAMETERS,
    blob: { size: (column) => `DATALENGTH(${column})`, slice: (column) => `SUBSTRING(${column}, :offset, :length)` },
    versionSql: "SELECT CONCAT(N'SQL Server ', CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), N' ', CAST(SERVERPROPERTY('Edition') AS nvarchar(128)))",
    writeAccess: async (db) => {
      const summary = writeAccessSummary(rowsOf<WriteRight>(await db.raw(MSSQL_RIGHTS_QUERY)));
      return summary ? `the login "${summary.login}" has ${summary.rights}` : null;
    },
    explain(e, sql) {
      // tedious wraps what ended the socket in its ConnectionError.
      const untrusted = [e, (e as { cause?: unknown })?.cause].find((x) => x instanceof UntrustedServerError);
      if (untrusted) return untrusted as UntrustedServerError;
      const code = errorCode(e);
      const message = driverMessage(e);
      if (code === 'ELOGIN') {
        if (/Cannot open database/i.test(message)) return noDatabase(t, e);
        if (/untrusted domain|Windows authentication/i.test(message)) {
          return loginFailed(t, 'the server does not accept this Windows (NTLM) login; check source.domain, or use a SQL Server login', e);
        }
        return loginFailed(t, 'wrong password, no such login, or SQL Server authentication is off on the server (Windows authentication only)', e);
      }
      if (code === 'EINSTLOOKUP') {
        return new AdapterConfigError(
          `cannot find the named instance ${t.host ?? ''}: the SQL Server Browser did not answer (UDP port 1434). Check source.instanceName, ` +
            `or give the instance's TCP port in source.port instead (SQL Server Configuration Manager shows it).`,
          { cause: e },
        );
      }
      const tls = tlsProblem(
        e,
        t,
        'Set source.caCertificate to the CA certificate (PEM) that signed the server\'s certificate (for a self-signed certificate, that certificate itself), ' +
          'and write in source.host a name the certificate holds. A server with no certificate of its own makes a self-signed one at each start, which cannot ' +
          'be trusted: install one on it (SQL Server Configuration Manager, Protocols for the instance, Certificate).',
      );
      if (tls) return tls;
      // A request (not a connection) that timed out: the query ran past requestTimeout.
      if (code === 'ETIMEOUT' && (e as Error).constructor?.name === 'RequestError') return queryTimedOut(t, e);
      if (code === 'ESOCKET' || code === 'ETIMEOUT') {
        const inner = (e as { cause?: unknown }).cause;
        const net = networkProblem(inner ?? { code: /ECONNREFUSED/.test(message) ? 'ECONNREFUSED' : /ENOTFOUND/.test(message) ? 'ENOTFOUND' : 'ETIMEDOUT' }, t);
        if (net) return net;
      }
      const net = networkProblem(e, t);
      if (net) return net;
      const number = (e as { number?: unknown }).number;
      if (code === 'EREQUEST' || typeof number === 'number') {
        const line = Number((e as { lineNumber?: unknown }).lineNumber);
        return queryFailed(t, e, sql, line > 0 ? line : undefined);
      }
      return e instanceof Error ? e : new Error(String(e));
    },
  };
}

function loginInClearRefused(target: Target): UntrustedServerError {
  return passwordRefused(
    {
      target,
      allowUnverified: false,
      anyPublicCertificate: false,
      howToVerify: 'keep source.encrypt: true (the default), and have the server encrypt connections with a certificate installed for the instance; give source.caCertificate when a public CA did not sign it',
    },
    'without encrypting the connection first (its answer said encryption is off or not supported, or source.encrypt is false)',
    '; or sign in with a Windows account (user: DOMAIN\\account), whose password is never sent',
  );
}

export async function mssqlKnexSettings(options: Options, ctx: AdapterContext): Promise<KnexSettings> {
  requireServerKeys(options, ['host', 'database', 'user']);
  const driver = await loadMssqlDriver();
  const settings = mssqlSettings(options, driver);
  const target = mssqlTarget(settings, Boolean(options.connectionString), options.queryTimeoutSeconds);
  // A SQL Server login goes inside the TLS, in a form the server reads: with the certificate
  // unchecked, whoever answers at the address terminates that TLS and has the password.
  if (settings.trustServerCertificate && !settings.domain && !options.allowPasswordWithoutVerifiedTls) {
    throw new AdapterConfigError(
      `${options.connectionString ? 'source.connectionString: its TrustServerCertificate' : 'source.trustServerCertificate'} leaves the server's certificate unchecked, so the SQL Server login's password would go to whoever answers at ${where(target)}; nothing was sent. ` +
        `Give source.caCertificate (the CA that signed the server's certificate, or the certificate itself when it is self-signed) and leave the check on, or sign in with a Windows account (user: DOMAIN\\account), whose password is never sent. ` +
        `Only for a legacy server on a network you trust: ${ALLOW_KEY}: true.`,
    );
  }
  const dialect = mssqlDialect(target);
  return {
    client: 'mssql',
    connection: mssqlConnection(settings, options, driver, {
      ca: await readCertificate('source.caCertificate', options.caCertificate, ctx),
      // A Windows (NTLM) login sends no password, only answers to the server's challenge.
      ...(settings.domain || options.allowPasswordWithoutVerifiedTls ? {} : { connector: login7GuardedConnector(driver.connectInSequence, () => loginInClearRefused(target)) }),
    }),
    connectTimeoutSeconds: options.connectTimeoutSeconds,
    target,
    dialect,
    checkAccount: (db, c) => checkWriteAccess(db, target, dialect, options.allowWriteAccess, c),
  };
}

export const mssqlAdapter: DatabaseAdapter<Options> = {
  type: 'mssql',
  description: 'Microsoft SQL Server (Sage 100, Dynamics NAV/Business Central on premises, ...).',
  optionsSchema: MssqlOptions,
  async open(options, query, ctx) {
    return openKnexSource(await mssqlKnexSettings(options, ctx), query, ctx);
  },
};
