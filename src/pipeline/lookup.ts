// One query per batch of numbers, never one per entry: a nightly run may hold tens of thousands
// of entries, and the accounting database belongs to someone else.
import type { DatabaseSource, SourceRow } from '../../adapters/types.js';
import { ClearnoxSyncError } from '../errors.js';
import type { SourceSection } from '../mapping/schema.js';
import { spellingsOf, type DocumentGroup } from '../match/groups.js';
import type { Normaliser } from '../match/normalise.js';
import { TemplateError, renderPathTemplate, templateColumns } from '../match/path-template.js';

/** The query's rows do not have the columns the mapping file names: the mapping file must change. */
export class SourceShapeError extends ClearnoxSyncError {
  override readonly name = 'SourceShapeError';
  readonly kind = 'config';
}

export interface SourceMatch {
  /** Distinct document paths the source gave for this number. */
  paths: string[];
  /** Rows found for the number but with no path in them. */
  rowsWithoutPath: number;
  /**
   * Why the ERP says the number's document must not be sent (source.withheldColumn), one text
   * per distinct reason; such rows count in neither list above.
   */
  withheld?: string[];
}

/**
 * What the source gave for each number. Nearly every number has one path: it is kept as that
 * string alone, not as an object holding an array (a third of the memory at 100,000 entries).
 */
export class SourceMatches {
  private readonly byKey = new Map<string, string | SourceMatch>();

  get size(): number {
    return this.byKey.size;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): SourceMatch | undefined {
    const kept = this.byKey.get(key);
    return typeof kept === 'string' ? { paths: [kept], rowsWithoutPath: 0 } : kept;
  }

  set(key: string, match: SourceMatch): void {
    this.byKey.set(key, match.paths.length === 1 && match.rowsWithoutPath === 0 && !match.withheld ? match.paths[0]! : match);
  }

  /** One row for the number, with its path or none, or the ERP's reason to withhold it. */
  add(key: string, path: string | null, withheld: string | null = null): void {
    const kept = this.byKey.get(key);
    if (kept === undefined && withheld === null) {
      this.byKey.set(key, path ?? { paths: [], rowsWithoutPath: 1 });
      return;
    }
    const match: SourceMatch = kept === undefined ? { paths: [], rowsWithoutPath: 0 } : typeof kept === 'string' ? { paths: [kept], rowsWithoutPath: 0 } : kept;
    if (withheld !== null) {
      match.withheld ??= [];
      if (!match.withheld.includes(withheld)) match.withheld.push(withheld);
    } else if (path === null) match.rowsWithoutPath += 1;
    else if (!match.paths.some((known) => samePath(known, path))) match.paths.push(path);
    this.set(key, match);
  }
}

// Measured at 100,000 entries (bench/databases.bench.ts): 500 took 15% longer than 2,000, and 5,000
// gained nothing more; 2,000 also fits under SQL Server's 2,100 parameters with one list.
export const DEFAULT_BATCH_SIZE = 2_000;

/** Batches made as they are asked for: only the batches in flight exist at a time. */
export function* batchGroups(groups: DocumentGroup[], size: number): Generator<DocumentGroup[]> {
  let current: DocumentGroup[] = [];
  let bound = 0;
  for (const group of groups) {
    const cost = group.entries.length === 1 ? 1 : spellingsOf(group).length;
    if (current.length > 0 && bound + cost > size) {
      yield current;
      current = [];
      bound = 0;
    }
    current.push(group);
    bound += cost;
  }
  if (current.length > 0) yield current;
}

export async function lookupDocuments(
  source: DatabaseSource,
  section: SourceSection,
  groups: DocumentGroup[],
  normalise: Normaliser,
  onBatch?: (done: number, total: number) => void,
): Promise<SourceMatches> {
  const size = Math.min(section.batchSize ?? DEFAULT_BATCH_SIZE, source.maxBatchSize);
  const batches = batchGroups(groups, size);
  const found = new SourceMatches();
  let done = 0;
  // Spellings of two groups never repeat (one spelling, one key): plain lists, no sets.
  const ask = (batch: DocumentGroup[]) => {
    const documentNumbers: string[] = [];
    const normalizedNumbers: string[] = [];
    for (const group of batch) {
      normalizedNumbers.push(group.key);
      if (group.entries.length === 1) documentNumbers.push(group.entries[0]!.documentNumber);
      else documentNumbers.push(...spellingsOf(group));
    }
    return source.lookup({ documentNumbers, normalizedNumbers });
  };
  // Two batches are asked for ahead of the one being matched, on two connections, so that the
  // database answers one while it reads the next and this process matches the rows.
  const AHEAD = 2;
  const pending: { batch: DocumentGroup[]; rows: Promise<SourceRow[]> }[] = [];
  const refill = () => {
    while (pending.length < AHEAD) {
      const next = batches.next();
      if (next.done) return;
      pending.push({ batch: next.value, rows: ask(next.value) });
    }
  };
  refill();
  try {
    while (pending.length > 0) {
      const { batch, rows: asked } = pending.shift()!;
      const rows = await asked;
      refill();
      // A query may return more than it was asked (a LIKE, a join): only the numbers this batch
      // asked count for it. A map per batch, not one for the run: memory bounded by the batch.
      const wanted = new Map<string, DocumentGroup>();
      for (const group of batch) wanted.set(group.key, group);
      // Folding case costs a lookup per column per row; most queries return the names as written.
      const fold = rows.length > 0 && !namesAsWritten(rows[0]!, section);
      for (const raw of rows) {
        const row = fold ? anyCase(raw) : raw;
        const key = normalise(numberOf(row, section.documentNumberColumn));
        const group = wanted.get(key);
        if (group === undefined) continue;
        // A withheld row's path is not read: a draft or a cancelled invoice often has none.
        const withheld = withheldOf(row, section.withheldColumn);
        found.add(key, withheld === null ? pathOf(row, section, group) : null, withheld);
      }
      done += batch.length;
      onBatch?.(done, groups.length);
    }
  } finally {
    // A failure leaves the query asked in advance unawaited; its own failure says nothing more.
    for (const p of pending) p.rows.catch(() => undefined);
  }
  return found;
}

/**
 * PostgreSQL lowercases unquoted names (`AS documentNumber` comes back as documentnumber): a
 * column missing as written is looked for without case before it counts as missing.
 */
function anyCase(row: SourceRow): SourceRow {
  const find = (name: string) => Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase());
  return new Proxy(row, {
    has: (target, name) => name in target || (typeof name === 'string' && find(name) !== undefined),
    get: (target, name) => (typeof name !== 'string' || name in target ? Reflect.get(target, name) : target[find(name) ?? name]),
  });
}

function namesAsWritten(row: SourceRow, section: SourceSection): boolean {
  const own = new Set(Object.keys(row));
  const templated = section.pathTemplate ? templateColumns(section.pathTemplate).filter((c) => !(c in ENTRY_FIELD_NAMES)) : [];
  const named = [section.pathColumn, section.withheldColumn].filter((c): c is string => c !== undefined);
  return [section.documentNumberColumn, ...named, ...templated].every((c) => own.has(c));
}

function numberOf(row: SourceRow, column: string): string {
  if (!(column in row)) {
    throw new SourceShapeError(
      `source.documentNumberColumn is "${column}", but the query returns no such column (it returns: ${Object.keys(row).join(', ')}). ` +
        `Name the column in the query (… AS ${column}) or change documentNumberColumn.`,
    );
  }
  const value = row[column];
  return value === null || value === undefined ? '' : String(value);
}

/** The ERP's reason not to send the row's document, or null for a row to send. */
function withheldOf(row: SourceRow, column: string | undefined): string | null {
  if (!column) return null;
  if (!(column in row)) {
    throw new SourceShapeError(
      `source.withheldColumn is "${column}", but the query returns no such column (it returns: ${Object.keys(row).join(', ')}). ` +
        `Name the column in the query (… AS ${column}) or change withheldColumn.`,
    );
  }
  const value = row[column];
  const text = value === null || value === undefined ? '' : String(value).trim();
  return text === '' ? null : text;
}

/**
 * What a path template may use besides the row's columns: the entry's own fields, so that a
 * store laid out by company, year or journal needs no column for it (the row wins on a clash).
 */
const ENTRY_FIELD_NAMES = { companyCode: 1, entryDate: 1, entryYear: 1, entryMonth: 1, journal: 1, accountNumber: 1, entryType: 1 };

export function entryFields(group: DocumentGroup): SourceRow {
  const e = group.entries[0]!;
  return {
    documentNumber: group.documentNumber,
    companyCode: e.companyCode,
    entryDate: e.entryDate,
    entryYear: e.entryDate.slice(0, 4),
    entryMonth: e.entryDate.slice(5, 7),
    journal: e.journal,
    accountNumber: e.accountNumber,
    entryType: e.type,
  };
}

function pathOf(row: SourceRow, section: SourceSection, group: DocumentGroup): string | null {
  if (section.pathColumn) {
    if (!(section.pathColumn in row)) {
      throw new SourceShapeError(
        `source.pathColumn is "${section.pathColumn}", but the query returns no such column (it returns: ${Object.keys(row).join(', ')}).`,
      );
    }
    const value = row[section.pathColumn];
    const text = value === null || value === undefined ? '' : String(value).trim();
    return text === '' ? null : text;
  }
  try {
    const text = renderPathTemplate(section.pathTemplate ?? '', anyCase({ ...entryFields(group), ...row })).trim();
    return text === '' ? null : text;
  } catch (e) {
    if (e instanceof TemplateError) throw new SourceShapeError(e.message);
    throw e;
  }
}

// Two rows naming the same file with other separators are one file, not an ambiguity.
function samePath(a: string, b: string): boolean {
  return a.replace(/\\/g, '/') === b.replace(/\\/g, '/');
}
