import type { Knex } from 'knex';
import { z } from 'zod';
import { AdapterConfigError, UntrustedServerError, type AdapterContext, type DatabaseAdapter } from '../types.js';
import { driverMessage, lineNaming, loginFailed, networkProblem, noDatabase, queryFailed, queryTimedOut, tlsProblem, where, type Target } from './errors.js';
import { openKnexSource, readOnlyOnConnection, type Dialect, type KnexSettings } from './knex-source.js';
import { guardedAuthPlugins, mysql2AuthPlugins, PIN_KEY } from './mysql-auth.js';
import { allowPasswordWithoutVerifiedTls, readPublicKey } from './password-guard.js';
import { readCertificate, requireServerKeys, serverShape, serverTarget, tlsOptions } from './server-options.js';
import { mysqlWriteAccess } from './write-access.js';

const MysqlOptions = z
  .object({
    ...serverShape('MySQL or MariaDB', 3306, 'mysql://sync:${env:ERP_DB_PASSWORD}@erp-server:3306/dolibarr'),
    sslMode: z
      .enum(['DISABLED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'])
      .default('DISABLED')
      .describe(
        'As the mysql client\'s --ssl-mode: DISABLED, REQUIRED (encrypted, certificate not checked), VERIFY_CA, VERIFY_IDENTITY. Only VERIFY_IDENTITY (or VERIFY_CA with sslCa) proves the server is yours; without it a server asking for the password itself (mysql_clear_password, or RSA under a key not pinned in serverPublicKeyFile) is refused.',
      ),
    sslCa: z
      .string()
      .min(1)
      .optional()
      .describe('CA certificate file (PEM) that signed the server\'s certificate (the server\'s ssl_ca file), for VERIFY_CA / VERIFY_IDENTITY, relative to the mapping file.'),
    serverPublicKeyFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The server\'s RSA public key (PEM file, relative to the mapping file), as the mysql client\'s --server-public-key-path: lets caching_sha2_password / sha256_password encrypt the password for that key without verified TLS, and refuses a server sending another one.',
      ),
    allowPasswordWithoutVerifiedTls,
    charset: z.string().min(1).default('utf8mb4').describe('Connection character set; utf8mb4 reads every character.'),
    queryTimeoutSeconds: z
      .number()
      .positive()
      .default(300)
      .describe('Longest time one look-up query may run (max_statement_time on MariaDB, max_execution_time on MySQL).'),
  })
  .strict();

type Options = z.output<typeof MysqlOptions>;

// The protocol allows 65,535 placeholders per statement (error 1390); a little room for the query's own.
const MAX_PARAMETERS = 65_000;
const SSL_MODES = { DISABLED: 'off', REQUIRED: 'encrypt', VERIFY_CA: 'verify-ca', VERIFY_IDENTITY: 'verify-full' } as const;

const TRUST_ADVICE =
  'Set source.sslCa to the CA certificate (PEM) that signed the server\'s certificate (the file the server\'s ssl_ca names; for a self-signed certificate, ' +
  'the certificate itself), and write in source.host a name the certificate holds.';

export function mysqlTarget(o: Options): Target {
  return { ...serverTarget('MySQL/MariaDB', 3306, o), queryTimeoutSeconds: o.queryTimeoutSeconds };
}

export function mysqlDialect(t: Target): Dialect {
  return {
    maxParameters: MAX_PARAMETERS,
    run: runPrepared,
    blob: { size: (column) => `LENGTH(${column})`, slice: (column) => `SUBSTRING(${column}, :offset, :length)` },
    // MariaDB's version says MariaDB (10.11.6-MariaDB); MySQL's is a bare number.
    versionSql: "SELECT CONCAT(IF(VERSION() LIKE '%MariaDB%', '', 'MySQL '), VERSION())",
    writeAccess: mysqlWriteAccess,
    explain(e, sql) {
      if (e instanceof UntrustedServerError) return e;
      const code = (e as { code?: string }).code;
      if (code === 'ER_ACCESS_DENIED_ERROR') return loginFailed(t, 'wrong password, or no such user for this machine', e);
      if (code === 'ER_BAD_DB_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR') return noDatabase(t, e);
      if (code === 'ER_HOST_NOT_PRIVILEGED') {
        return new AdapterConfigError(
          `${where(t)} does not let this machine connect (${driverMessage(e)}). Ask the database administrator to create the user for this machine's address (see the GRANT in docs/databases.md).`,
          { cause: e },
        );
      }
      const net = networkProblem(e, t) ?? tlsProblem(e, t, TRUST_ADVICE);
      if (net) return net;
      // mysql2 answers only the four usual plugins; for another one (MariaDB's PAM dialog, GSSAPI,
      // ed25519) it stops before sending anything, in words that tell a user nothing to do.
      const plugin = /authentication using unknown plugin (\S+?)\.? /.exec(driverMessage(e))?.[1];
      if (plugin) {
        return new AdapterConfigError(
          `${where(t)} asks user "${t.user ?? ''}" to sign in through the authentication plugin ${plugin}, which clearnox-sync does not have: nothing was sent. ` +
            'Ask the database administrator to have this user sign in with a password checked by mysql_native_password or caching_sha2_password ' +
            `(ALTER USER ... IDENTIFIED WITH caching_sha2_password BY ... on MySQL, ... IDENTIFIED VIA mysql_native_password USING PASSWORD(...) on MariaDB).`,
          { cause: e },
        );
      }
      // MariaDB's ER_STATEMENT_TIMEOUT, MySQL's ER_QUERY_TIMEOUT.
      const errno = (e as { errno?: unknown }).errno;
      if (errno === 1969 || errno === 3024) return queryTimedOut(t, e);
      if (typeof (e as { sqlState?: unknown }).sqlState === 'string') {
        const message = driverMessage(e);
        const line = Number(/ at line (\d+)\s*$/.exec(message)?.[1]);
        return queryFailed(t, e, sql, line > 0 ? line : lineNaming(sql, message));
      }
      return e instanceof Error ? e : new Error(String(e));
    },
  };
}

export async function mysqlSettings(options: Options, ctx: AdapterContext): Promise<KnexSettings> {
  requireServerKeys(options);
  const target = mysqlTarget(options);
  const ca = await readCertificate('source.sslCa', options.sslCa, ctx);
  // mysql2 checks the certificate's name only when told to (verifyIdentity).
  const ssl = options.sslMode === 'VERIFY_IDENTITY' ? { ...tlsOptions('verify-full', ca), verifyIdentity: true } : tlsOptions(SSL_MODES[options.sslMode], ca);
  const authPlugins = guardedAuthPlugins({
    target,
    allowUnverified: options.allowPasswordWithoutVerifiedTls,
    // Short of VERIFY_IDENTITY mysql2 accepts any name, so only a CA of the mapping file's own
    // (VERIFY_CA with sslCa) makes up for it; REQUIRED, or TLS a connection string asks for,
    // trusts the public CAs, one of which signed some certificate for whoever answers.
    anyPublicCertificate: !(options.sslMode === 'VERIFY_IDENTITY' || (options.sslMode === 'VERIFY_CA' && ca)),
    howToVerify: 'set source.sslMode: VERIFY_IDENTITY and source.sslCa to the CA certificate (PEM) that signed the server\'s certificate',
    pinnedKey: await readPublicKey(PIN_KEY, options.serverPublicKeyFile, ctx),
  }, await mysql2AuthPlugins());
  return {
    client: 'mysql2',
    connection: {
      ...(options.connectionString
        ? { uri: options.connectionString }
        : { host: options.host, port: options.port ?? 3306, database: options.database, user: options.user, password: options.password }),
      ...(ssl ? { ssl } : {}),
      authPlugins,
      charset: options.charset,
      connectTimeout: options.connectTimeoutSeconds * 1000,
      // Dates stay as written: a Date at local midnight would shift a day in a path template.
      dateStrings: ['DATE'],
      // A DATETIME is read as UTC, so that the day a path template writes of it (its UTC day) is
      // the day written, whatever the zone of this machine.
      timezone: 'Z',
    },
    afterCreate: sessionSetup(options.queryTimeoutSeconds),
    connectTimeoutSeconds: options.connectTimeoutSeconds,
    target,
    dialect: mysqlDialect(target),
  };
}

export const mysqlAdapter: DatabaseAdapter<Options> = {
  type: 'mysql',
  description: 'MySQL or MariaDB (Dolibarr, ...), queried in read-only transactions.',
  optionsSchema: MysqlOptions,
  async open(options, query, ctx) {
    return openKnexSource(await mysqlSettings(options, ctx), query, ctx);
  },
};

interface CallbackConnection {
  query(sql: string, cb: (err: Error | null, rows?: unknown) => void): void;
  execute(sql: string, values: readonly unknown[], cb: (err: Error | null, rows?: unknown) => void): void;
}

function send(conn: CallbackConnection, sql: string, values?: readonly unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, rows?: unknown) => (err ? reject(err) : resolve(rows));
    if (values) conn.execute(sql, values, done);
    else conn.query(sql, done);
  });
}

/**
 * knex sends MySQL statements as text, the driver writing each value into it with backslash
 * escapes (which a server in NO_BACKSLASH_ESCAPES mode reads otherwise). Here the statement is
 * prepared and the values sent apart from it, in a transaction begun READ ONLY.
 */
function runPrepared(db: Knex, statement: Knex.SqlNative): Promise<unknown[]> {
  return readOnlyOnConnection<CallbackConnection>(db, 'START TRANSACTION READ ONLY', send, statement);
}

/**
 * Every transaction of the session is read-only too, so the server refuses a write whatever the
 * query does. The time limit has one name on MariaDB (seconds) and another on MySQL (milliseconds).
 */
function sessionSetup(timeoutSeconds: number) {
  return (conn: CallbackConnection, done: (err: Error | null, conn: CallbackConnection) => void): void => {
    conn.query('SET SESSION TRANSACTION READ ONLY', (err) => {
      if (err) return done(err, conn);
      conn.query(`SET SESSION max_statement_time = ${Number(timeoutSeconds)}`, (err2) => {
        if (!err2) return done(null, conn);
        conn.query(`SET SESSION max_execution_time = ${Math.round(Number(timeoutSeconds) * 1000)}`, (err3) => done(err3, conn));
      });
    });
  };
}
