// A mapping file may name one source per Clearnox company (one ledger per database or schema):
// each company's entries are looked up in that company's source only, one source open at a time.
import type { AdapterContext } from '../../adapters/types.js';
import type { Entry } from '../clearnox/contract.js';
import { placeQueryError } from '../mapping/query-place.js';
import type { BoundSource, BoundSources } from '../mapping/schema.js';
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

export async function lookupByCompany(opts: {
  sources: BoundSources;
  /**
   * The mapping file the queries were read from: a query the database refuses is told at its
   * line of that file (the database only knows the query's own lines). Without it, as the
   * adapter tells it.
   */
  mappingFile?: string;
  entries: Entry[];
  normalise: Normaliser;
  ctx: AdapterContext;
  stage: Stage;
  onBatch?: (done: number, total: number) => void;
}): Promise<CompanyLookup> {
  const { sources, normalise, ctx, stage } = opts;
  const lookupIn = async ({ adapter, section, options, query }: BoundSource, groups: DocumentGroup[], label: string): Promise<SourceMatches> => {
    const source = await stage(`connecting to the accounting database${label}`, () => adapter.open(options, query, ctx));
    try {
      return await stage(`looking up the document numbers in the accounting database${label}`, async () => {
        try {
          return await lookupDocuments(source, section, groups, normalise, opts.onBatch);
        } catch (e) {
          throw opts.mappingFile ? await placeQueryError(e, opts.mappingFile) : e;
        }
      });
    } finally {
      await source.close().catch((e: unknown) => ctx.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'Closing the database failed'));
    }
  };

  if (!sources.companies) {
    const groups = groupEntries(opts.entries, normalise);
    return { groups, found: await lookupIn(sources.shared, groups, ''), unmapped: [] };
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
    const own = companyCode === null ? undefined : sources.companies.get(companyCode);
    if (!own) {
      ctx.log.warn({ companyCode, entries: entries.length }, `No source for company ${companyCode ?? '(none)'} in source.companies: its ${entries.length} entries are not looked up.`);
      for (const group of groups) result.unmapped.push({ group: scoped(group, companyCode), companyCode });
      continue;
    }
    const found = await lookupIn(own, groups, ` of company ${companyCode}`);
    for (const group of groups) {
      const inCompany = scoped(group, companyCode);
      result.groups.push(inCompany);
      const match = found.get(group.key);
      if (match) result.found.set(inCompany.key, match);
    }
  }
  return result;
}

function scoped(group: DocumentGroup, companyCode: string | null): DocumentGroup {
  return { ...group, key: `${companyCode ?? ''}\u0000${group.key}` };
}
