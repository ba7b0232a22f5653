// A database error as an integrator can act on it: which key of the mapping file to check and
// what to ask the DBA. Driver messages are passed through `redact`, and none of these messages is
// built from the password, so a password can never be echoed.
import { ClearnoxSyncError } from '../../src/errors.js';
import { redact } from '../../src/secrets.js';
import { AdapterConfigError, CredentialsRefusedError, UntrustedServerError } from '../types.js';

/** Where the adapter tried to connect, as the mapping file says it (never the password). */
export interface Target {
  engine: string;
  host?: string;
  port?: number | string;
  user?: string;
  database?: string;
  /** How the settings were given: `source.connectionString` or the separate keys. */
  viaConnectionString?: boolean;
  /** source.queryTimeoutSeconds, for the message when a query is stopped. */
  queryTimeoutSeconds?: number;
}

/** The server cannot be reached: the mapping file may be right, the network or server is not. */
export class DatabaseUnreachableError extends ClearnoxSyncError {
  override readonly name = 'DatabaseUnreachableError';
  readonly kind = 'unreachable';
}

/** The query failed on the database: the mapping file's query must change. */
export class QueryFailedError extends AdapterConfigError {
  override readonly name: string = 'QueryFailedError';
  /**
   * What placing the error in the mapping file needs (src/mapping/query-place.ts): the query as
   * the mapping file writes it, the database it failed on, the faulty line's text, and how the
   * message begins (what follows is the database's words and the advice).
   */
  query?: { sql?: string; on: string; lineText?: string; head: string };
  constructor(
    message: string,
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function where(t: Target): string {
  if (!t.host && t.database) return `the ${t.engine} database ${t.database}`;
  const at = t.host ? ` at ${t.host}${t.port !== undefined ? `:${t.port}` : ''}` : '';
  return `the ${t.engine}${/server$/i.test(t.engine) ? '' : ' server'}${at}`;
}

function keys(t: Target, ...names: string[]): string {
  return t.viaConnectionString ? 'source.connectionString' : names.map((n) => `source.${n}`).join(' and ');
}

export function driverMessage(e: unknown): string {
  const err = e as { message?: unknown; sqlMessage?: unknown };
  const text = typeof err?.sqlMessage === 'string' ? err.sqlMessage : typeof err?.message === 'string' ? err.message : String(e);
  return redact(text.trim());
}

/** Socket-level failures every driver reports alike (Node's error codes). */
export function networkProblem(e: unknown, t: Target): DatabaseUnreachableError | null {
  // node-postgres and knex's pool say "timeout" in words, without a code.
  const timedOut = /connection timeout|timeout expired|Timeout acquiring a connection/i.test(String((e as Error)?.message));
  const code = errorCode(e) ?? (timedOut ? 'ETIMEDOUT' : undefined);
  const cause = { cause: e };
  const hostKeys = keys(t, 'host', 'port');
  switch (code) {
    case 'ECONNREFUSED':
      return new DatabaseUnreachableError(
        `cannot reach ${where(t)}: the connection was refused. Check ${hostKeys}, that the server is running and accepts TCP connections on that port, and that no firewall blocks it.`,
        cause,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DatabaseUnreachableError(
        `cannot reach ${where(t)}: the host name "${t.host ?? ''}" is not known to this machine's DNS. Check its spelling in ${keys(t, 'host')}, or write the server's IP address.`,
        cause,
      );
    case 'ETIMEDOUT':
    case 'ETIMEOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new DatabaseUnreachableError(
        `cannot reach ${where(t)}: no answer (${code}). Check ${hostKeys}, that this machine can reach the server (VPN, firewall), and that the server listens on that port.`,
        cause,
      );
    case 'ECONNRESET':
      return new DatabaseUnreachableError(`the connection to ${where(t)} was cut (${code}): ${driverMessage(e)}`, cause);
    default:
      return null;
  }
}

/** The server refused the user or its password: a person must correct the secret (exit 5), not the mapping file's shape. */
export function loginFailed(t: Target, detail: string, e: unknown): CredentialsRefusedError {
  return new CredentialsRefusedError(
    `login failed for user "${t.user ?? ''}" on ${where(t)}: ${detail}. Check ${keys(t, 'user', 'password')} ` +
      `(the password is read from the reference in the mapping file; it is not shown here).`,
    { cause: e },
  );
}

export function noDatabase(t: Target, e: unknown): AdapterConfigError {
  return new AdapterConfigError(
    `the database "${t.database ?? ''}" does not exist on ${where(t)}, or user "${t.user ?? ''}" may not open it. Check ${keys(t, 'database')} (spelling and case).`,
    { cause: e },
  );
}

/** The database stopped a query at source.queryTimeoutSeconds: usually a missing index or a large batch. */
export function queryTimedOut(t: Target, e: unknown): AdapterConfigError {
  return new AdapterConfigError(
    `source.query ran longer than source.queryTimeoutSeconds (${t.queryTimeoutSeconds ?? '?'} s) on ${where(t)} and was stopped. ` +
      'Check that the column compared with the numbers has an index, lower source.batchSize, or raise source.queryTimeoutSeconds.',
    { cause: e },
  );
}

/** The query failed: the database's own words, with the line of source.query they point at. */
export function queryFailed(t: Target, e: unknown, sql: string | undefined, line: number | undefined): QueryFailedError {
  const raw = sql?.split(/\r?\n/)[(line ?? 0) - 1]?.trim();
  const text = raw ? shortened(raw, 120) : undefined;
  const at = line && text ? ` at line ${line} of source.query ("${text}")` : '';
  const head = `source.query failed on ${where(t)}${at}: `;
  const failed = new QueryFailedError(`${head}${withoutPlaceholderRuns(driverMessage(e)).replace(/\.$/, '')}. Correct the query in the mapping file; it is run as written.`, line, {
    cause: e,
  });
  failed.query = { ...(sql === undefined ? {} : { sql }), on: where(t), ...(line && text ? { lineText: text } : {}), head };
  return failed;
}

/** At most `max` characters, cut at a space so that no name or value is cut in two. */
export function shortened(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf(' ', max - 4);
  return `${text.slice(0, cut > max / 2 ? cut : max - 4)} ...`;
}

// MySQL/MariaDB quote the statement from where they stopped ("near '?, ?, ?, ...' at line 3"),
// which for a batch of numbers is a list of thousands of placeholders that the server cuts.
function withoutPlaceholderRuns(message: string): string {
  return message.replace(/(\?|\$\d+|@p\d+)(?:\s*,\s*(?:\?|\$\d+|@p\d+)){2,}/g, '$1, ...');
}

/**
 * The line of `sql` naming the first quoted name of a message such as "Unknown column 'numbr' in
 * 'where clause'", for databases that give no line for anything but a syntax error.
 */
export function lineNaming(sql: string | undefined, message: string): number | undefined {
  const name = /'([^']+)'/.exec(message)?.[1]?.split('.').pop();
  if (!sql || !name) return undefined;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const index = sql.split(/\r?\n/).findIndex((l) => new RegExp(`(^|[^\\w])${escaped}($|[^\\w])`, 'i').test(l));
  return index >= 0 ? index + 1 : undefined;
}

/** The line of `sql` holding the 1-based character `position` (PostgreSQL reports positions). */
export function lineAt(sql: string, position: number): number {
  return sql.slice(0, Math.max(0, position - 1)).split('\n').length;
}

export function errorCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; errors?: unknown[] };
  if (typeof err?.code === 'string' && err.code) return err.code;
  // Node 20 tries every address of a name and reports them together.
  const inner = Array.isArray(err?.errors) ? (err.errors[0] as { code?: unknown }) : undefined;
  return typeof inner?.code === 'string' ? inner.code : undefined;
}

/**
 * Problems of an encrypted connection (Node's TLS error codes). A certificate that does not verify
 * means the server did not prove it is the one the mapping file names: `howToTrust` says how to
 * give its CA, never how to stop checking.
 */
export function tlsProblem(e: unknown, t: Target, howToTrust: string): UntrustedServerError | AdapterConfigError | null {
  const code = errorCode(e) ?? '';
  const message = driverMessage(e);
  // Some drivers replace Node's code with their own (mysql2: HANDSHAKE_SSL_ERROR): the words tell then.
  const certificate = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME|ALTNAME/i.test(code) || /certificate|self.signed/i.test(message);
  if (certificate) {
    return new UntrustedServerError(`the certificate of ${where(t)} could not be verified (${message}), so nothing was sent. ${howToTrust}`, { cause: e });
  }
  if (!/ERR_TLS|ERR_SSL/i.test(code) && !/SSL|TLS/i.test(message)) return null;
  return new AdapterConfigError(
    `the encrypted connection to ${where(t)} failed: ${message}. Check that the server accepts TLS (its administrator turns it on, with a certificate naming the host). ${howToTrust}`,
    { cause: e },
  );
}
