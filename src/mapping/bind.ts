// What the pipeline opens, decided once when the mapping file is read: each section with the
// adapter its `type` names and the options that adapter parsed, so that no stage looks an adapter
// up again or sorts the core's keys from the adapter's.
import type { DatabaseAdapter, DocumentStoreAdapter, SourceQuery } from '../../adapters/types.js';
import type { AdapterSets, BoundAdapters, BoundSource, BoundSources, Mapping, SourceSection } from './schema.js';

export function bindAdapters(mapping: Mapping, adapters: AdapterSets): BoundAdapters {
  const database = registered(adapters.databases, mapping.source.type, 'source');
  const store = registered(adapters.stores, mapping.documents.type, 'documents');
  return {
    source: bindSources(mapping.source, database),
    documents: { adapter: store, section: mapping.documents, options: adapterOptions(mapping.documents, store) },
  };
}

/** A source section with its adapter, and each of its companies' (source.companies). */
export function bindSources(section: SourceSection, adapter: DatabaseAdapter): BoundSources {
  const { companies } = section;
  return {
    shared: bindSource(section, adapter),
    companies: companies ? new Map(Object.keys(companies).map((code) => [code, bindSource(companySection(section, code), adapter)])) : null,
  };
}

export function bindSource(section: SourceSection, adapter: DatabaseAdapter): BoundSource {
  return { adapter, section, options: adapterOptions(section, adapter), query: sourceQuery(section) };
}

/** A section's keys that its adapter owns, parsed by it (defaults applied); the core's keys left out. */
export function adapterOptions(section: Record<string, unknown>, adapter: DatabaseAdapter | DocumentStoreAdapter): unknown {
  const shape = (adapter.optionsSchema as { shape?: Record<string, unknown> }).shape ?? {};
  return adapter.optionsSchema.parse(Object.fromEntries(Object.entries(section).filter(([k]) => k in shape)));
}

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

function registered<A extends { type: string }>(list: A[], type: string, key: string): A {
  const adapter = list.find((a) => a.type === type);
  // The schema admits only registered types: reaching this is a bug, not a mapping mistake.
  if (!adapter) throw new Error(`${key}.type ${type} has no registered adapter`);
  return adapter;
}
