// PostgreSQL and MySQL/MariaDB run every query of clearnox-sync in a read-only transaction, so an
// account that could write does no harm through it; but the account is a password that could
// change the accounting data elsewhere, and `check` says so, as docs/databases.md asks for a
// reader. SQL Server has no such transaction: its rights are read by mssql-rights.ts.
import type { Knex } from 'knex';
import { rowsOf } from './knex-source.js';

const SHOWN = 4;

function listed(items: string[]): string {
  return items.slice(0, SHOWN).join('; ') + (items.length > SHOWN ? `; and ${items.length - SHOWN} more` : '');
}

// The tables of the database's own schemas the role may change, with how (a table's owner may
// do everything, which has_table_privilege tells as well).
const POSTGRES_WRITABLE_TABLES = `SELECT n.nspname AS "schema", c.relname AS "table",
       concat_ws(', ', CASE WHEN has_table_privilege(c.oid, 'INSERT') THEN 'INSERT' END,
                       CASE WHEN has_table_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END,
                       CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN 'DELETE' END,
                       CASE WHEN has_table_privilege(c.oid, 'TRUNCATE') THEN 'TRUNCATE' END) AS "rights"
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
   AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))
 ORDER BY 1, 2`;

export async function postgresWriteAccess(db: Knex): Promise<string | null> {
  const [role] = rowsOf<{ rolsuper: boolean; user: string }>(await db.raw('SELECT rolsuper, current_user AS "user" FROM pg_roles WHERE rolname = current_user'));
  if (role?.rolsuper) return `the role "${role.user}" is a superuser`;
  const tables = rowsOf<{ schema: string; table: string; rights: string }>(await db.raw(POSTGRES_WRITABLE_TABLES));
  if (tables.length === 0) return null;
  return `the role "${role?.user ?? ''}" has ${listed(tables.map((t) => `${t.rights} on ${t.schema}.${t.table}`))}`;
}

// Privileges that change data or the schema, as SHOW GRANTS spells them.
const MYSQL_WRITE = /^(ALL( PRIVILEGES)?|INSERT|UPDATE|DELETE|DELETE HISTORY|CREATE|DROP|ALTER|INDEX|TRIGGER|EXECUTE|CREATE VIEW|CREATE ROUTINE|ALTER ROUTINE|EVENT|SUPER|FILE)\b/i;

/** The write privileges in SHOW GRANTS lines, e.g. "INSERT, UPDATE on `erp`.*". */
export function mysqlWriteGrants(lines: string[]): string[] {
  const found: string[] = [];
  for (const line of lines) {
    const m = /^GRANT\s+(.+?)\s+ON\s+(?:(?:TABLE|FUNCTION|PROCEDURE)\s+)?(\S+)\s+TO\s/i.exec(line);
    if (!m) continue;
    // A column list "SELECT (a, b)" holds commas of its own.
    const privileges = m[1]!.split(/,\s*(?![^(]*\))/).map((p) => p.trim()).filter((p) => MYSQL_WRITE.test(p));
    if (privileges.length > 0) found.push(`${privileges.join(', ')} on ${m[2]}`);
  }
  return found;
}

export async function mysqlWriteAccess(db: Knex): Promise<string | null> {
  const rows = rowsOf<Record<string, unknown>>(await db.raw('SHOW GRANTS'));
  const lines = rows.map((r) => String(Object.values(r)[0] ?? ''));
  const grants = mysqlWriteGrants(lines);
  if (grants.length === 0) return null;
  const [user] = rowsOf<{ user: string }>(await db.raw('SELECT CURRENT_USER() AS user'));
  return `the user ${user?.user ?? ''} has ${listed(grants)}`;
}
