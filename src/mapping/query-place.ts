// A look-up query the database refused is a mapping-file problem like any other: it is told as
// one, with the file, the key and the line of the file where the faulty SQL line is written, so
// that the person opens the file at that line. The database only knows the query's own lines.
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Scalar } from 'yaml';
import { readRegularFile } from '../regular-file.js';
import { MappingError } from './errors.js';
import { locate } from './locate.js';

/** What an adapter's QueryFailedError carries (adapters/database/errors.ts), read by shape. */
interface QueryFailure {
  query: { sql?: string; on: string; lineText?: string; head: string };
  line?: number;
  message: string;
}

function queryFailure(e: unknown): QueryFailure | undefined {
  const failure = e as Partial<QueryFailure> | null;
  return e instanceof Error && failure?.query && typeof failure.query.head === 'string' ? (failure as QueryFailure) : undefined;
}

/**
 * A QueryFailedError becomes a MappingError naming `file`'s line of the faulty SQL line (of
 * source.query, or of a company's query); any other error, or a file that cannot be read again,
 * is given back as it is.
 */
export async function placeQueryError(e: unknown, file: string): Promise<unknown> {
  const failure = queryFailure(e);
  if (!failure) return e;
  let text: string;
  try {
    text = (await readRegularFile(file)).toString('utf8').replace(/^\uFEFF/, '');
  } catch {
    return e;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const key = queryKey(doc, failure.query.sql);
  if (!key) return e;
  const tail = failure.message.startsWith(failure.query.head) ? failure.message.slice(failure.query.head.length) : failure.message;
  const at = failure.line && failure.query.lineText ? ` at line ${failure.line} of the query ("${failure.query.lineText}")` : '';
  return new MappingError(file, [
    {
      path: key.join('.'),
      ...fileLine(doc, lines, key, failure.line),
      message: `failed on ${failure.query.on}${at}: ${tail}`,
    },
  ]);
}

/** The key whose text is `sql`; source.query when none is (a query read through a reference). */
function queryKey(doc: Document, sql: string | undefined): string[] | undefined {
  const keys: string[][] = [['source', 'query']];
  const companies = doc.getIn(['source', 'companies'], true);
  if (isMap(companies)) {
    for (const pair of companies.items) if (isScalar(pair.key)) keys.push(['source', 'companies', String(pair.key.value), 'query']);
  }
  const written = keys.filter((k) => doc.hasIn(k));
  return written.find((k) => sql !== undefined && doc.getIn(k) === sql) ?? (written.length === 1 ? written[0] : undefined);
}

function fileLine(doc: Document, lines: LineCounter, key: string[], queryLine: number | undefined): { line?: number } {
  const node = doc.getIn(key, true) as Scalar | undefined;
  // A literal block (query: |) keeps the query's lines as they are, from the line after the `|`.
  if (queryLine && isScalar(node) && node.type === 'BLOCK_LITERAL' && node.range) {
    return { line: lines.linePos(node.range[0]).line + queryLine };
  }
  // Written on one line (or folded by YAML): the line where the value starts.
  if (queryLine === 1 && isScalar(node) && node.range) return { line: lines.linePos(node.range[0]).line };
  return locate(doc, lines, key);
}
