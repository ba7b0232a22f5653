// The database adapters know the query's lines, not the mapping file's: the adapters a mapping
// file is loaded with are wrapped so that a query the database refuses is told at its line of
// that file.
import type { DatabaseAdapter, DatabaseSource } from '../../adapters/types.js';
import { placeQueryError } from '../mapping/query-place.js';
import type { AdapterSets } from '../mapping/schema.js';

export function placingQueryErrors(adapters: AdapterSets, file: string): AdapterSets {
  return { ...adapters, databases: adapters.databases.map((a) => placing(a, file)) };
}

function placing<O>(adapter: DatabaseAdapter<O>, file: string): DatabaseAdapter<O> {
  return {
    ...adapter,
    async open(options, query, ctx) {
      const source: DatabaseSource = await adapter.open(options, query, ctx);
      const lookup = source.lookup.bind(source);
      source.lookup = async (batch) => {
        try {
          return await lookup(batch);
        } catch (e) {
          throw await placeQueryError(e, file);
        }
      };
      return source;
    },
  };
}
