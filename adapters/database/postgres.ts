import type pg from 'pg';
import type { Knex } from 'knex';
import { z } from 'zod';
import { AdapterConfigError, UntrustedServerError, type AdapterContext, type DatabaseAdapter } from '../types.js';
import { lineAt, loginFailed, networkProblem, noDatabase, queryFailed, queryTimedOut, tlsProblem, where, type Target } from './errors.js';
import { openKnexSource, readOnlyOnConnection, type Dialect, type KnexSettings } from './knex-source.js';
import { allowPasswordWithoutVerifiedTls, passwordRefused, verifiedTls, type PasswordPolicy } from './password-guard.js';
import { passwordGuardedStream } from './postgres-password-guard.js';
import { readCertificate, requireServerKeys, serverShape, serverTarget, tlsOptions } from './server-options.js';
import { postgresWriteAccess } from './write-access.js';

const PostgresOptions = z
  .object({
    ...serverShape('PostgreSQL', 5432, 'postgres://sync:${env:ERP_DB_PASSWORD}@erp-server:5432/odoo'),
    schema: z
      .string()
      .min(1)
      .optional()
      .describe('Schema searched for unqualified table names (search_path), e.g. one schema per company.'),
    sslMode: z
      .enum(['disable', 'require', 'verify-ca', 'verify-full'])
      .default('disable')
      .describe(
        'As libpq\'s sslmode: disable, require (encrypted, certificate not checked), verify-ca, verify-full. Only verify-full (or verify-ca with sslRootCert) proves the server is yours; without it a server asking for the password in cleartext or MD5 is refused.',
      ),
    sslRootCert: z
      .string()
      .min(1)
      .optional()
      .describe('CA certificate file (PEM) that signed the server\'s certificate (a self-signed certificate: the certificate itself), for verify-ca / verify-full, relative to the mapping file.'),
    allowPasswordWithoutVerifiedTls,
    queryTimeoutSeconds: z.number().positive().default(300).describe('Longest time one look-up query may run (statement_timeout).'),
  })
  .strict();

type Options = z.output<typeof PostgresOptions>;

// PostgreSQL binds up to 65,535 values per statement; a little room for the query's own.
const MAX_PARAMETERS = 65_000;
const DATE_OID = 1082;
const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;
const SSL_MODES = { disable: 'off', require: 'encrypt', 'verify-ca': 'verify-ca', 'verify-full': 'verify-full' } as const;

const TRUST_ADVICE =
  'Set source.sslRootCert to the CA certificate (PEM) that signed the server\'s certificate (for a self-signed certificate, that certificate itself: ' +
  'the file the server\'s ssl_cert_file names), and write in source.host a name the certificate holds.';

const SCRAM_ADVICE =
  '; or have the server ask for SCRAM instead, which never sends the password (password_encryption = scram-sha-256, the password set again, and scram-sha-256 on the pg_hba.conf line for this machine)';

// A cleartext password travels as it is; an MD5 answer logs in as well as the password to a
// server that relays the challenge to the real one.
function passwordGuard(policy: PasswordPolicy) {
  return passwordGuardedStream((stream) => (verifiedTls(stream, policy) ? null : passwordRefused(policy, 'in cleartext or as an MD5 hash', SCRAM_ADVICE)));
}

export function postgresTarget(o: Options): Target {
  return { ...serverTarget('PostgreSQL', 5432, o), queryTimeoutSeconds: o.queryTimeoutSeconds };
}

export function postgresDialect(t: Target, schema?: string): Dialect {
  return {
    maxParameters: MAX_PARAMETERS,
    run: runReadOnlyQuery,
    blob: { size: (column) => `octet_length(${column})`, slice: (column) => `substring(${column} from :offset for :length)` },
    versionSql: "SELECT 'PostgreSQL ' || current_setting('server_version')",
    writeAccess: postgresWriteAccess,
    explain(e, sql, sent) {
      if (e instanceof UntrustedServerError) return e;
      const code = (e as { code?: string }).code;
      if (code === '28P01') return loginFailed(t, 'wrong password, or no such user', e);
      if (code === '28000') {
        return new AdapterConfigError(
          `${where(t)} refuses user "${t.user ?? ''}" from this machine (no line of its pg_hba.conf allows it${/no encryption/.test(String((e as Error).message)) ? ' without encryption; set sslMode: verify-full and source.sslRootCert' : ''}). Ask the database administrator to allow this machine, or check source.user.`,
          { cause: e },
        );
      }
      if (code === '3D000') return noDatabase(t, e);
      const net = networkProblem(e, t) ?? tlsProblem(e, t, TRUST_ADVICE);
      if (net) return net;
      if (code === '57014' && /statement timeout/.test(String((e as Error).message))) return queryTimedOut(t, e);
      if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
        const position = Number((e as { position?: string }).position);
        const failed = queryFailed(t, e, sql, position > 0 && sent ? lineAt(sent, position) : undefined);
        // An unknown table is most often a schema left out: say which one was searched.
        if (code === '42P01') failed.message += ` Tables without a schema are looked for in ${schema ? `the schema ${schema} (source.schema)` : 'the user\'s search_path, usually public'}.`;
        return failed;
      }
      return e instanceof Error ? e : new Error(String(e));
    },
  };
}

// Dates stay as written (YYYY-MM-DD): a JavaScript Date at local midnight would shift a day in
// a path template on a machine east of Greenwich. A timestamp without a time zone is read as UTC,
// so that the day a path template writes of it (its UTC day) is the day written. The driver is
// loaded only when a mapping file uses it, so that every other run starts without it.
async function dateAsWritten(): Promise<{ getTypeParser: typeof pg.types.getTypeParser }> {
  const { default: driver } = await import('pg');
  return {
    getTypeParser: ((oid: number, format?: string) =>
      oid === DATE_OID
        ? (v: string) => v
        : oid === TIMESTAMP_OID
          ? (v: string) => driver.types.getTypeParser(TIMESTAMPTZ_OID, 'text')(/infinity$/.test(v) ? v : `${v}+00`)
          : driver.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
}

// The query keys pg-connection-string reads as TLS settings.
const TLS_IN_CONNECTION_STRING = /[?&](?:ssl|sslmode|sslrootcert|sslcert|sslkey|sslnegotiation|uselibpqcompat)=/i;

export async function postgresSettings(options: Options, ctx: AdapterContext): Promise<KnexSettings> {
  requireServerKeys(options);
  // node-postgres lets a connection string's TLS settings replace the ssl it is given: the mapping
  // file's verify-full would silently become the string's disable or no-verify.
  if (options.connectionString && (options.sslMode !== 'disable' || options.sslRootCert) && TLS_IN_CONNECTION_STRING.test(options.connectionString)) {
    throw new AdapterConfigError(
      'source.connectionString sets TLS itself (sslmode, sslrootcert, ...), which node-postgres would follow instead of source.sslMode and source.sslRootCert. ' +
        'Give TLS in one place: as source.sslMode and source.sslRootCert with none of those in the connection string, or in the connection string alone ' +
        '(sslmode=verify-full&sslrootcert=<absolute path of the CA file>) without source.sslMode and source.sslRootCert.',
    );
  }
  const target = postgresTarget(options);
  const ca = await readCertificate('source.sslRootCert', options.sslRootCert, ctx);
  const ssl = tlsOptions(SSL_MODES[options.sslMode], ca) ?? false;
  const policy: PasswordPolicy = {
    target,
    allowUnverified: options.allowPasswordWithoutVerifiedTls,
    anyPublicCertificate: options.sslMode === 'verify-ca' && !ca,
    howToVerify: 'set source.sslMode: verify-full and source.sslRootCert to the CA certificate (PEM) that signed the server\'s certificate',
  };
  // Every transaction of the session is read-only: the server itself refuses a write, whatever
  // the query does (a function with side effects, nextval()).
  const startup = ['-c default_transaction_read_only=on', ...(options.schema ? [`-c search_path=${escapeOption(options.schema)}`] : [])];
  return {
    client: 'pg',
    connection: {
      ...(options.connectionString
        ? { connectionString: options.connectionString }
        : { host: options.host, port: options.port ?? 5432, database: options.database, user: options.user, password: options.password }),
      // A connection string's own sslmode stands when the mapping file gives none.
      ...(options.connectionString && options.sslMode === 'disable' ? {} : { ssl }),
      options: startup.join(' '),
      application_name: 'clearnox-sync',
      connectionTimeoutMillis: options.connectTimeoutSeconds * 1000,
      statement_timeout: options.queryTimeoutSeconds * 1000,
      types: await dateAsWritten(),
      ...(policy.allowUnverified ? {} : { stream: passwordGuard(policy) }),
    },
    connectTimeoutSeconds: options.connectTimeoutSeconds,
    target,
    dialect: postgresDialect(target, options.schema),
  };
}

export const postgresAdapter: DatabaseAdapter<Options> = {
  type: 'postgres',
  description: 'PostgreSQL (Odoo, Dolibarr on PostgreSQL, ...), queried in read-only transactions.',
  optionsSchema: PostgresOptions,
  async open(options, query, ctx) {
    return openKnexSource(await postgresSettings(options, ctx), query, ctx);
  },
};

// Inside libpq's `options`, spaces and backslashes are escaped with a backslash.
function escapeOption(value: string): string {
  return value.replace(/[\\ ]/g, (c) => `\\${c}`);
}

interface PgConnection {
  query(sql: string, values?: readonly unknown[]): Promise<{ rows: unknown[] }>;
}

// The statement compiled once per batch size (knex-source.ts) goes to the driver as it is,
// without knex formatting thousands of values again for each batch.
function runReadOnlyQuery(db: Knex, statement: Knex.SqlNative): Promise<unknown[]> {
  return readOnlyOnConnection<PgConnection>(db, 'BEGIN TRANSACTION READ ONLY', async (conn, sql, values) => (await conn.query(sql, values)).rows, statement);
}
