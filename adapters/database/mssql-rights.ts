// SQL Server has no read-only transaction: what the login may do is all that stands between a
// query and the accounting data. So, once connected, the login's rights on the database are
// read in one statement, and a login that can change the database is refused unless the mapping
// file accepts the risk (source.allowWriteAccess).
import type { Knex } from 'knex';
import { AdapterConfigError, type AdapterContext } from '../types.js';
import { DatabaseUnreachableError, driverMessage, where, type Target } from './errors.js';
import { rowsOf, type Dialect } from './knex-source.js';

export const ALLOW_KEY = 'source.allowWriteAccess';

const WRITE_PERMISSIONS = ['CONTROL', 'ALTER', 'ALTER ANY SCHEMA', 'INSERT', 'UPDATE', 'DELETE', 'EXECUTE'];
const listed = WRITE_PERMISSIONS.map((p) => `N'${p}'`).join(', ');

/**
 * One row per right of the login that lets it change the database: the server role sysadmin,
 * the database roles that write, the effective database and schema permissions
 * (fn_my_permissions, HAS_PERMS_BY_NAME: through any role or Windows group), and the grants on
 * single tables, columns or procedures to the login or one of its roles or groups
 * (sys.user_token), with whom they were granted to; a grant a DENY cancels is left out. Catalog
 * names are brought to the database's collation, which UNION needs. No row: the login can only read.
 */
export const MSSQL_RIGHTS_QUERY = `SELECT w.right_name AS [right], w.on_what AS [on], w.via AS [via], SUSER_SNAME() AS [login], USER_NAME() AS [user], DB_NAME() AS [database]
  FROM (
    SELECT N'sysadmin' AS right_name, N'server role' AS on_what, CAST(NULL AS sysname) AS via WHERE IS_SRVROLEMEMBER(N'sysadmin') = 1
    UNION ALL
    SELECT r.name, N'database role', NULL FROM (VALUES (N'db_owner'), (N'db_datawriter'), (N'db_ddladmin')) AS r(name) WHERE IS_ROLEMEMBER(r.name) = 1
    UNION ALL
    SELECT p.permission_name COLLATE DATABASE_DEFAULT, N'database', NULL FROM fn_my_permissions(NULL, N'DATABASE') AS p WHERE p.permission_name IN (${listed})
    UNION ALL
    SELECT p.name, N'SCHEMA::' + QUOTENAME(s.name) COLLATE DATABASE_DEFAULT, NULL
      FROM sys.schemas AS s CROSS JOIN (VALUES (N'CONTROL'), (N'ALTER'), (N'INSERT'), (N'UPDATE'), (N'DELETE'), (N'EXECUTE')) AS p(name)
     WHERE HAS_PERMS_BY_NAME(QUOTENAME(s.name), N'SCHEMA', p.name) = 1 AND HAS_PERMS_BY_NAME(NULL, N'DATABASE', p.name) = 0
    UNION ALL
    SELECT d.permission_name COLLATE DATABASE_DEFAULT,
           CASE x.kind WHEN N'DATABASE' THEN N'database' WHEN N'SCHEMA' THEN N'SCHEMA::' + x.name ELSE x.name END COLLATE DATABASE_DEFAULT,
           t.name COLLATE DATABASE_DEFAULT
      FROM sys.database_permissions AS d
      JOIN sys.user_token AS t ON t.principal_id = d.grantee_principal_id
     CROSS APPLY (SELECT CASE d.class WHEN 0 THEN N'DATABASE' WHEN 3 THEN N'SCHEMA' ELSE N'OBJECT' END AS kind,
                         CASE d.class WHEN 0 THEN NULL WHEN 3 THEN QUOTENAME(SCHEMA_NAME(d.major_id))
                              ELSE QUOTENAME(OBJECT_SCHEMA_NAME(d.major_id)) + N'.' + QUOTENAME(OBJECT_NAME(d.major_id)) END AS name) AS x
     WHERE d.state IN ('G', 'W') AND d.class IN (0, 1, 3) AND d.permission_name IN (${listed})
       AND 1 = CASE WHEN d.class = 1 AND d.minor_id > 0
                    THEN HAS_PERMS_BY_NAME(x.name, N'OBJECT', d.permission_name, COL_NAME(d.major_id, d.minor_id), N'COLUMN')
                    ELSE HAS_PERMS_BY_NAME(x.name, x.kind, d.permission_name) END
  ) AS w`;

export interface WriteRight {
  right: string;
  /** `server role`, `database role`, `database`, `SCHEMA::[dbo]` or `[dbo].[F_DOCENTETE]`. */
  on: string;
  /** The principal the permission was granted to, when known (the user, a role, a group). */
  via: string | null;
  login: string;
  user: string;
  database: string;
}

const name = (s: string) => `[${s.replace(/]/g, ']]')}]`;

/** The rights worth naming: a permission that a role or a grant named below already explains is left out. */
function explained(rows: WriteRight[]): WriteRight[] {
  const roles = rows.some((r) => r.on === 'server role' || r.on === 'database role');
  return rows.filter((r) => r.via !== null || r.on === 'server role' || r.on === 'database role' || (!roles && !rows.some((o) => o.via !== null && o.on === r.on && o.right === r.right)));
}

function describe(r: WriteRight): string {
  if (r.on === 'server role') return 'member of the server role sysadmin';
  if (r.on === 'database role') return `member of ${r.right}`;
  const granted = r.via && r.via !== r.user ? ` (granted to ${r.via})` : '';
  return `${r.right} on ${r.on === 'database' ? 'the database' : r.on}${granted}`;
}

function fix(r: WriteRight): string {
  if (r.on === 'server role') return `ALTER SERVER ROLE sysadmin DROP MEMBER ${name(r.login)};`;
  if (r.on === 'database role') return `ALTER ROLE ${name(r.right)} DROP MEMBER ${name(r.user)};`;
  const from = name(r.via ?? r.user);
  return r.on === 'database' ? `REVOKE ${r.right} FROM ${from};` : `REVOKE ${r.right} ON ${r.on} FROM ${from};`;
}

const atMost = (items: string[], n: number, sep: string) => [...new Set(items)].slice(0, n).join(sep) + (new Set(items).size > n ? `${sep}...` : '');

/** What the rows say, for the refusal or the warning. */
export function writeAccessSummary(rows: WriteRight[]): { login: string; user: string; database: string; rights: string; fixes: string } | null {
  if (rows.length === 0) return null;
  const shown = explained(rows);
  const { login, user, database } = rows[0]!;
  return { login, user, database, rights: atMost(shown.map(describe), 6, '; '), fixes: atMost(shown.map(fix), 6, ' ') };
}

/**
 * Refuses a login that can change the database, or warns when `allowed`. `target` names the
 * server in messages; the login and the database come from the server itself.
 */
export async function checkWriteAccess(db: Knex, target: Target, dialect: Dialect, allowed: boolean, ctx: AdapterContext): Promise<void> {
  let rows: WriteRight[];
  try {
    rows = rowsOf<WriteRight>(await db.raw(MSSQL_RIGHTS_QUERY));
  } catch (e) {
    const explainedError = dialect.explain(e);
    if (explainedError instanceof DatabaseUnreachableError) throw explainedError;
    // knex puts the statement before the server's message.
    const said = driverMessage(e).replace(`${MSSQL_RIGHTS_QUERY} - `, '');
    const what = `what the login "${target.user ?? ''}" may do on the database "${target.database ?? ''}" of ${where(target)} could not be read (${said})`;
    if (allowed) {
      ctx.log.warn({ host: target.host, database: target.database }, `${what}; going on since ${ALLOW_KEY} is true.`);
      return;
    }
    throw new AdapterConfigError(
      `source: ${what}, and SQL Server has no read-only transaction to stop a write. Check that the login can read the database's catalog, ` +
        `or set ${ALLOW_KEY}: true to go on without knowing whether it can write.`,
      { cause: e },
    );
  }
  const summary = writeAccessSummary(rows);
  if (!summary) {
    ctx.log.debug({ host: target.host, database: target.database }, 'The SQL Server login can only read the database');
    return;
  }
  const can = `the SQL Server login "${summary.login}" can change the database "${summary.database}" of ${where(target)} (${summary.rights})`;
  if (allowed) {
    ctx.log.warn({ login: summary.login, database: summary.database, rights: summary.rights }, `Warning: ${can}; going on since ${ALLOW_KEY} is true. A wrong query could change the accounting data.`);
    return;
  }
  throw new AdapterConfigError(
    `source: ${can}, and SQL Server has no read-only transaction to stop a write. Give clearnox-sync a login that can only read ` +
      `(README, "Read-only database users"): as an administrator, USE ${name(summary.database)}; ${summary.fixes} ` +
      `and GRANT SELECT ON the tables source.query reads TO ${name(summary.user)}; (e.g. GRANT SELECT ON dbo.F_DOCENTETE TO ${name(summary.user)};). ` +
      `To run with this login anyway, accepting that a wrong query could change the accounting data, set ${ALLOW_KEY}: true.`,
  );
}
