// The faulty look-up query the query-error tests share, and numbers long enough that a message
// holding any of them, whole or cut, is seen.

/** Entries' numbers bound in the batch; none may appear in a message. */
export const BOUND_NUMBERS = Array.from({ length: 40 }, (_, i) => `FA-2024-${String(i).padStart(4, '0')}-7731955`);

/** `source.query` as a block literal whose third line is wrong, as the mapping file writes it. */
export function syntaxErrorQuery(numberAlias: string): { yaml: string; sql: string } {
  const sql = [
    `SELECT number AS ${numberAlias}, pdf AS path`,
    '  FROM invoices',
    ' WHERE number IN (:documentNumbers) AND AND year > 2000',
  ].join('\n');
  return { sql, yaml: `  query: |\n${sql.split('\n').map((l) => `    ${l}`).join('\n')}\n` };
}
