// The mapping file's query runs with the customer's database credentials; refusing anything but
// one read statement keeps a typo or a pasted script from changing their accounting data. It is
// a convenience, not the protection: a function with side effects, a linked server or a trick of
// a server's SQL this reading does not know can still write. What protects the data is an account
// that may only read (README, "Read-only database users"), backed on PostgreSQL and MySQL/MariaDB
// by read-only transactions; SQL Server has none, so there the login's rights are checked at
// connect (mssql-rights.ts).
import { lex, readings, type SqlDialect } from './sql-tokens.js';

export type { SqlDialect } from './sql-tokens.js';

/** What a look-up query must bind: the batch of numbers. */
export const LIST_BINDING = {
  pattern: /^:(documentNumbers|normalizedNumbers)\b/,
  missing: 'the query does not use :documentNumbers or :normalizedNumbers, so it cannot look up a batch of numbers',
};

const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'DROP', 'ALTER', 'CREATE', 'TRUNCATE', 'GRANT', 'REVOKE', 'EXEC', 'EXECUTE', 'CALL', 'INTO']);

// SQL Server runs a batch's statements one after the other without any `;` between them
// (`SELECT 1 SHUTDOWN` is two statements): every word that may begin a statement of its own is
// refused. All are reserved words of T-SQL, so none can be a column's name without [brackets].
const MSSQL_STATEMENTS = new Set([
  'DECLARE', 'SET', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVE', 'WAITFOR', 'DENY', 'BACKUP', 'RESTORE', 'DBCC', 'KILL', 'SHUTDOWN',
  'RECONFIGURE', 'USE', 'BULK', 'OPEN', 'CLOSE', 'DEALLOCATE', 'PRINT', 'RAISERROR', 'IF', 'WHILE', 'GOTO', 'RETURN', 'WRITETEXT',
  'UPDATETEXT', 'READTEXT', 'CHECKPOINT', 'SETUSER', 'REVERT',
  // Run a statement of their own on another server, where nothing here can read it.
  'OPENQUERY', 'OPENROWSET', 'OPENDATASOURCE',
]);

const SET_OPERATORS = new Set(['UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'ALL', 'DISTINCT']);

/**
 * Why `sql` is not one read statement in `dialect`'s SQL binding what `binding` names, or null.
 * The query is read as the server reads it: strings, quoted names and comments are not code.
 */
export function readOnlyProblem(sql: string, dialect: SqlDialect, binding: { pattern: RegExp; missing: string } = LIST_BINDING): string | null {
  for (const rules of readings(dialect)) {
    const problem = problemIn(lex(sql, rules), dialect, binding);
    if (problem) return problem;
  }
  return null;
}

function problemIn({ tokens, unclosed, unbalanced }: ReturnType<typeof lex>, dialect: SqlDialect, binding: { pattern: RegExp; missing: string }): string | null {
  if (unclosed) {
    const hint = dialect === 'mysql' && /string|name/.test(unclosed) ? " (write a quote inside a string as '', not \\')" : '';
    return `the query holds ${unclosed} that is never closed${hint}`;
  }
  // T-SQL writes `;WITH` so that a CTE never follows an unterminated statement: a `;` may open or end the query.
  const isSemicolon = (t: { kind: string; text: string } | undefined) => t?.kind === 'punct' && t.text === ';';
  const code = tokens.slice(isSemicolon(tokens[0]) ? 1 : 0, isSemicolon(tokens.at(-1)) && tokens.length > 1 ? -1 : undefined);
  if (code.length === 0) return 'the query is empty';
  if (code.some(isSemicolon)) return 'the query holds several statements; give a single SELECT';
  if (unbalanced) return 'the parentheses of the query do not match';
  const first = code.find((t) => !(t.kind === 'punct' && t.text === '('));
  const start = first?.kind === 'word' ? first.text.toUpperCase() : undefined;
  if (start !== 'SELECT' && start !== 'WITH') {
    return `the query starts with ${start ?? first?.text ?? 'something else'}; only a SELECT (or WITH ... SELECT) is allowed`;
  }
  let mainSelectSeen = false;
  for (const [i, t] of code.entries()) {
    if (t.kind !== 'word') continue;
    const word = t.text.toUpperCase();
    if (WRITES.has(word)) return `the query contains ${word}; only reading is allowed`;
    if (dialect === 'mssql' && MSSQL_STATEMENTS.has(word) && code[i - 1]?.text !== '.') {
      return `the query holds several statements (${word} begins one of its own); give a single SELECT`;
    }
    if (word === 'SELECT') {
      const before = code[i - 1];
      const afterWith = start === 'WITH' && t.depth === 0 && !mainSelectSeen && before?.text === ')';
      if (t.depth === 0) mainSelectSeen = true;
      if (!before || afterWith || before.text === '(' || (before.kind === 'word' && SET_OPERATORS.has(before.text.toUpperCase()))) continue;
      return `the query holds several statements (a SELECT follows "${before.text}"); give a single SELECT`;
    }
  }
  if (!code.some((t) => t.kind === 'param' && binding.pattern.test(t.text))) return binding.missing;
  return null;
}
