// A mapping file may name one source per Clearnox company (one ledger per database or schema):
// each company's entries are looked up in that company's source only, one source open at a time.
import type { AdapterContext, DatabaseAdapter, SourceQuery } from '../../adapters/types.js';
import type { Entry } from '../clearnox/contract.js';
import type { SourceSection } from '../mapping/schema.js';
import { groupEntries, type DocumentGroup } from '../match/groups.js';
import type { Normaliser } from '../match/normalise.js';
import { SourceMatches, lookupDocuments } from './lookup.js';

export interface CompanyLookup {
  /** Every group, keyed so that the same number in two companies stays two documents. */
  groups: DocumentGroup[];
  found: SourceMatches;
  /** Groups of companies the mapping file has no source for, with that company. */
  unmapped: { group: DocumentGroup; companyCode: string | null }[];
}

export type Stage = <T>(name: string, work: () => Promise<T>) => Promise<T>;

export function sourceQuery(section: Pick<SourceSection, 'query' | 'documentNumberColumn'>): SourceQuery {
  const q = section.query;
  if (q === undefined) return { sql: '' };
  if (typeof q === 'string') return { sql: q };
  return { table: { name: q.table, columns: q.columns, numberColumn: q.columns[section.documentNumberColumn] ?? section.documentNumberColumn, ...(q.where ? { where: q.where } : {}) } };
}

/** The section a company's look-up runs with: its own keys over the shared ones. */
export function companySection(section: SourceSection, companyCode: string): SourceSection {
  const { companies, ...shared } = section;
  return { ...shared, ...(companies?.[companyCode] ?? {}) } as SourceSection;
}

export async function lookupByCompany(opts: {
  section: SourceSection;
  adapter: DatabaseAdapter;
  entries: Entry[];
  normalise: Normaliser;
  ctx: AdapterContext;
  stage: Stage;
  onBatch?: (done: number, total: number) => void;
}): Promise<CompanyLookup> {
  const { section, adapter, normalise, ctx, stage } = opts;
  const lookupIn = async (s: SourceSection, groups: DocumentGroup[], label: string): Promise<SourceMatches> => {
    const source = await stage(`connecting to the accounting database${label}`, () => adapter.open(adapter.optionsSchema.parse(pick(s, adapter)), sourceQuery(s), ctx));
    try {
      return await stage(`looking up the document numbers in the accounting database${label}`, () => lookupDocuments(source, s, groups, normalise, opts.onBatch));
    } finally {
      await source.close().catch((e: unknown) => ctx.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'Closing the database failed'));
    }
  };

  if (!section.companies) {
    const groups = groupEntries(opts.entries, normalise);
    return { groups, found: await lookupIn(section, groups, ''), unmapped: [] };
  }

  const byCompany = new Map<string | null, Entry[]>();
  for (const entry of opts.entries) {
    const list = byCompany.get(entry.companyCode) ?? [];
    list.push(entry);
    byCompany.set(entry.companyCode, list);
  }
  const result: CompanyLookup = { groups: [], found: new SourceMatches(), unmapped: [] };
  for (const [companyCode, entries] of byCompany) {
    const groups = groupEntries(entries, normalise);
    if (companyCode === null || !(companyCode in section.companies)) {
      ctx.log.warn({ companyCode, entries: entries.length }, `No source for company ${companyCode ?? '(none)'} in source.companies: its ${entries.length} entries are not looked up.`);
      for (const group of groups) result.unmapped.push({ group: scoped(group, companyCode), companyCode });
      continue;
    }
    const found = await lookupIn(companySection(section, companyCode), groups, ` of company ${companyCode}`);
    for (const group of groups) {
      const own = scoped(group, companyCode);
      result.groups.push(own);
      const match = found.get(group.key);
      if (match) result.found.set(own.key, match);
    }
  }
  return result;
}

function scoped(group: DocumentGroup, companyCode: string | null): DocumentGroup {
  return { ...group, key: `${companyCode ?? ''}\u0000${group.key}` };
}

// An adapter's options are the section's keys minus those the core owns.
function pick(section: Record<string, unknown>, adapter: { optionsSchema: unknown }): Record<string, unknown> {
  const shape = (adapter.optionsSchema as { shape?: Record<string, unknown> }).shape ?? {};
  return Object.fromEntries(Object.entries(section).filter(([k]) => k in shape));
}
