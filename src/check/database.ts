// The accounting database as a run reaches it: the adapter's own open (TLS, password guards,
// rights), then the mapping file's query on a few numbers through the run's own look-up, so that
// the rows and paths shown are the ones a run would use.
import type { AdapterContext, DatabaseSource, SourceRow } from '../../adapters/types.js';
import type { Entry } from '../clearnox/contract.js';
import type { BoundSource, LoadedMapping } from '../mapping/schema.js';
import { placeQueryError } from '../mapping/query-place.js';
import { groupEntries } from '../match/groups.js';
import type { Normaliser } from '../match/normalise.js';
import { abortKind } from '../pipeline/classify.js';
import { lookupDocuments } from '../pipeline/lookup.js';
import type { CheckLine } from './lines.js';

/** A document the query gave one path for: what the documents check reads. */
export interface FoundDocument {
  documentNumber: string;
  path: string;
}

export interface SourceCheck {
  lines: CheckLine[];
  documents: FoundDocument[];
}

/** Numbers tried per source, and rows shown. */
export const SAMPLE = 5;
const VALUE_WIDTH = 60;

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A number given with --number, as an entry: the fields a path template may use are placeholders. */
export function entryOfNumber(documentNumber: string, companyCode: string | null, today: string): Entry {
  return {
    id: `check-${documentNumber}`,
    documentNumber,
    type: 'invoice',
    companyCode,
    accountNumber: '',
    accountName: null,
    entryDate: today,
    dueDate: null,
    amount: '0',
    currency: 'EUR',
    journal: null,
    label: null,
  };
}

function shownValue(value: unknown): string {
  const text = value === null || value === undefined ? 'NULL' : value instanceof Date ? value.toISOString() : Buffer.isBuffer(value) ? `(${value.length} bytes)` : String(value);
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 3)}...` : text;
}

export function rowText(row: SourceRow): string {
  return Object.entries(row)
    .map(([k, v]) => `${k}=${shownValue(v)}`)
    .join(', ');
}

/** Keeps the rows the run's look-up receives, to show them. */
function recording(source: DatabaseSource, rows: SourceRow[]): DatabaseSource {
  return {
    maxBatchSize: source.maxBatchSize,
    lookup: async (batch) => {
      const got = await source.lookup(batch);
      rows.push(...got);
      return got;
    },
    close: () => source.close(),
  };
}

export async function checkSource(opts: {
  bound: BoundSource;
  /** " (company ACME-FR)" for one of source.companies. */
  label: string;
  entries: Entry[];
  /** Where the numbers came from, for the message when there are none. */
  noNumbers: string;
  normalise: Normaliser;
  ctx: AdapterContext;
  /** The mapping file, so that a query the database refuses is told at its line, as a run tells it. */
  mappingFile: string;
  /** Warnings the adapter logged, taken as they come. */
  warnings: () => string[];
}): Promise<SourceCheck> {
  const { bound, label, ctx } = opts;
  const lines: CheckLine[] = [];
  const warned = (title: string, keep: (w: string) => boolean = () => true) => {
    for (const w of opts.warnings()) if (keep(w)) lines.push({ status: 'warn', title, found: w });
  };
  const title = `Database${label}`;
  if (bound.adapter.type === 'none') {
    lines.push({ status: 'ok', title, found: 'none (source.type: none): each path is built from the entry by source.pathTemplate' });
  }
  let source: DatabaseSource;
  try {
    source = await bound.adapter.open(bound.options, bound.query, ctx);
  } catch (e) {
    warned(title);
    lines.push({ status: 'fail', title, found: messageOf(e), kind: abortKind(e) });
    return { lines, documents: [] };
  }
  try {
    if (bound.adapter.type !== 'none') {
      let version = '';
      try {
        version = source.serverVersion ? `; ${await source.serverVersion()}` : '';
      } catch (e) {
        version = `; its version could not be read (${messageOf(e)})`;
      }
      lines.push({ status: 'ok', title, found: `connected (source.type: ${bound.adapter.type})${version}` });
      // SQL Server's warning of a login allowed to write is the account line's, told once.
      warned(title, (w) => !(source.canWrite && w.includes('source.allowWriteAccess')));
      if (source.canWrite) {
        const account = `Database account${label}`;
        try {
          const rights = await source.canWrite();
          if (rights === null) lines.push({ status: 'ok', title: account, found: bound.adapter.type === 'sqlite' ? 'the file is opened read-only' : 'can only read' });
          else {
            lines.push({
              status: 'warn',
              title: account,
              found: `it can change the database: ${rights}`,
              todo:
                bound.adapter.type === 'mssql'
                  ? 'Give clearnox-sync a login that can only read (docs/databases.md, "Read-only users"): SQL Server has no read-only transaction to stop a wrong query.'
                  : 'Give clearnox-sync a user that can only read (docs/databases.md, "Read-only users"). Its queries run in read-only transactions, but this password could change the accounting data elsewhere.',
            });
          }
        } catch (e) {
          lines.push({ status: 'warn', title: account, found: `what the account may change could not be read (${messageOf(e)})` });
        }
      }
    }
    return { lines, documents: await tryQuery(source, opts, lines) };
  } finally {
    await source.close().catch(() => undefined);
  }
}

async function tryQuery(source: DatabaseSource, opts: Parameters<typeof checkSource>[0], lines: CheckLine[]): Promise<FoundDocument[]> {
  const title = `Database query${opts.label}`;
  const groups = groupEntries(opts.entries, opts.normalise).slice(0, SAMPLE);
  if (groups.length === 0) {
    lines.push({ status: 'warn', title, found: `not run: ${opts.noNumbers}`, todo: 'Give a number the ERP knows: clearnox-sync check --config FILE --number NUMBER.' });
    return [];
  }
  const rows: SourceRow[] = [];
  let found;
  try {
    found = await lookupDocuments(recording(source, rows), opts.bound.section, groups, opts.normalise);
  } catch (e) {
    const placed = await placeQueryError(e, opts.mappingFile);
    lines.push({ status: 'fail', title, found: messageOf(placed), kind: abortKind(placed) });
    return [];
  }
  const documents: FoundDocument[] = [];
  const details: string[] = [];
  for (const group of groups) {
    const match = found.get(group.key);
    if (!match) details.push(`${group.documentNumber}: no row`);
    else if (match.paths.length === 0) details.push(`${group.documentNumber}: a row, but no path in it`);
    else if (match.paths.length > 1) details.push(`${group.documentNumber}: ${match.paths.length} different files (${match.paths.slice(0, 3).join(', ')}); a run sends none of them`);
    else {
      details.push(`${group.documentNumber} -> ${match.paths[0]}`);
      documents.push({ documentNumber: group.documentNumber, path: match.paths[0]! });
    }
  }
  const shown = rows.slice(0, SAMPLE).map((r) => `row: ${rowText(r)}`);
  if (rows.length > SAMPLE) shown.push(`... and ${rows.length - SAMPLE} more rows`);
  const asked = `${groups.length} ${groups.length === 1 ? 'number' : 'numbers'} (${groups.map((g) => g.documentNumber).join(', ')})`;
  const answered = `${rows.length} ${rows.length === 1 ? 'row' : 'rows'}, ${documents.length} with one path`;
  if (documents.length === 0) {
    lines.push({
      status: 'warn',
      title,
      found: `ran on ${asked}: ${answered}`,
      details: [...shown, ...details],
      todo: found.size === 0 ? 'None of these numbers was found: check source.query and the match: rules, or give a number the ERP knows with --number.' : 'Check source.pathColumn or source.pathTemplate.',
    });
  } else {
    lines.push({ status: 'ok', title, found: `ran on ${asked}: ${answered}`, details: [...shown, ...details] });
  }
  return documents;
}

/** The sources to check, each with the entries it would look up (a run's split by company). */
export function sourcesToCheck(loaded: LoadedMapping, entries: Entry[], numbers: string[], today: string): { bound: BoundSource; label: string; entries: Entry[]; noNumbers: string }[] {
  const { source } = loaded.bound;
  const fallbackCompany = loaded.mapping.clearnox.companyCode ?? null;
  const given = (company: string | null) => numbers.map((n) => entryOfNumber(n, company, today));
  const noNumbers = entries.length === 0 ? 'Clearnox gave no document number to try it on' : '';
  if (!source.companies) {
    return [{ bound: source.shared, label: '', entries: numbers.length ? given(fallbackCompany) : entries, noNumbers: noNumbers || 'no number to try it on' }];
  }
  return [...source.companies].map(([company, bound]) => ({
    bound,
    label: ` (company ${company})`,
    entries: numbers.length ? given(company) : entries.filter((e) => e.companyCode === company),
    noNumbers: noNumbers || `no entry of company ${company} on the first page of Clearnox's list`,
  }));
}
