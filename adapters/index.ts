// The one place that knows the concrete adapters: the CLI registers these, the core never
// imports them.
import type { AdapterSets } from '../src/mapping/schema.js';
import { sqliteAdapter } from './database/sqlite.js';
import { localAdapter } from './documents/local.js';
import { registerDatabase, registerDocumentStore } from './registry.js';

export function builtinAdapters(): AdapterSets {
  return { databases: [sqliteAdapter], stores: [localAdapter] };
}

export function registerBuiltinAdapters(): AdapterSets {
  const sets = builtinAdapters();
  sets.databases.forEach(registerDatabase);
  sets.stores.forEach(registerDocumentStore);
  return sets;
}
