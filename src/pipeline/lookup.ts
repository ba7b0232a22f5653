// One query per batch of numbers, never one per entry: a nightly run may hold tens of thousands
// of entries, and the accounting database belongs to someone else.
import type { DatabaseSource, SourceRow } from '../../adapters/types.js';
import type { SourceSection } from '../mapping/schema.js';
import type { DocumentGroup } from '../match/groups.js';
import type { Normaliser } from '../match/normalise.js';
import { TemplateError, renderPathTemplate, templateColumns } from '../match/path-template.js';

export class SourceShapeError extends Error {}

export interface SourceMatch {
  /** Distinct document paths the source gave for this number. */
  paths: string[];
  /** Rows found for the number but with no path in them. */
  rowsWithoutPath: number;
}

export const DEFAULT_BATCH_SIZE = 500;

export function batchGroups(groups: DocumentGroup[], size: number): DocumentGroup[][] {
  const batches: DocumentGroup[][] = [];
  let current: DocumentGroup[] = [];
  let bound = 0;
  for (const group of groups) {
    const cost = Math.max(1, group.spellings.length);
    if (current.length > 0 && bound + cost > size) {
      batches.push(current);
      current = [];
      bound = 0;
    }
    current.push(group);
    bound += cost;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export async function lookupDocuments(
  source: DatabaseSource,
  section: SourceSection,
  groups: DocumentGroup[],
  normalise: Normaliser,
  onBatch?: (done: number, total: number) => void,
): Promise<Map<string, SourceMatch>> {
  const size = Math.min(section.batchSize ?? DEFAULT_BATCH_SIZE, source.maxBatchSize);
  const batches = batchGroups(groups, size);
  const found = new Map<string, SourceMatch>();
  let done = 0;
  const ask = (batch: DocumentGroup[]) =>
    source.lookup({
      documentNumbers: [...new Set(batch.flatMap((g) => g.spellings))],
      normalizedNumbers: [...new Set(batch.map((g) => g.key))],
    });
  // Two batches are asked for ahead of the one being matched, on two connections, so that the
  // database answers one while it reads the next and this process matches the rows.
  const AHEAD = 2;
  const pending: Promise<SourceRow[]>[] = [];
  let asked = 0;
  const refill = () => {
    while (asked < batches.length && pending.length < AHEAD) pending.push(ask(batches[asked++]!));
  };
  refill();
  try {
    for (const batch of batches) {
      const wanted = new Map(batch.map((g) => [g.key, g]));
      const rows = await pending.shift()!;
      refill();
      // Folding case costs a lookup per column per row; most queries return the names as written.
      const fold = rows.length > 0 && !namesAsWritten(rows[0]!, section);
      for (const raw of rows) {
        const row = fold ? anyCase(raw) : raw;
        const key = normalise(numberOf(row, section.documentNumberColumn));
        // A query may return more than it was asked (a LIKE, a join); only asked numbers count.
        if (!wanted.has(key)) continue;
        const match = found.get(key) ?? { paths: [], rowsWithoutPath: 0 };
        found.set(key, match);
        const p = pathOf(row, section, wanted.get(key)!);
        if (p === null) match.rowsWithoutPath += 1;
        else if (!match.paths.some((known) => samePath(known, p))) match.paths.push(p);
      }
      done += batch.length;
      onBatch?.(done, groups.length);
    }
  } finally {
    // A failure leaves the query asked in advance unawaited; its own failure says nothing more.
    for (const p of pending) p.catch(() => undefined);
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
  return [section.documentNumberColumn, ...(section.pathColumn ? [section.pathColumn] : []), ...templated].every((c) => own.has(c));
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
