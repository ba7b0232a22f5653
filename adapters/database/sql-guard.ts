// The mapping file's query runs with the customer's database credentials; refusing anything but
// one read statement keeps a typo or a pasted script from changing their accounting data.
/** What a look-up query must bind: the batch of numbers. */
export const LIST_BINDING = {
  pattern: /:(documentNumbers|normalizedNumbers)\b/,
  missing: 'the query does not use :documentNumbers or :normalizedNumbers, so it cannot look up a batch of numbers',
};

export function readOnlyProblem(sql: string, binding: { pattern: RegExp; missing: string } = LIST_BINDING): string | null {
  const body = stripComments(sql).trim().replace(/;\s*$/, '');
  if (body.length === 0) return 'the query is empty';
  if (/;/.test(stripStrings(body))) return 'the query holds several statements; give a single SELECT';
  const first = /^\(*\s*([a-z]+)/i.exec(body)?.[1]?.toUpperCase();
  if (first !== 'SELECT' && first !== 'WITH') {
    return `the query starts with ${first ?? 'something else'}; only a SELECT (or WITH ... SELECT) is allowed`;
  }
  const writes = /\b(INSERT|UPDATE|DELETE|MERGE|DROP|ALTER|CREATE|TRUNCATE|GRANT|REVOKE|EXEC|EXECUTE|CALL|INTO)\b/i.exec(
    stripStrings(body),
  );
  if (writes) return `the query contains ${writes[1]!.toUpperCase()}; only reading is allowed`;
  if (!binding.pattern.test(body)) return binding.missing;
  return null;
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}

function stripStrings(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "''");
}
