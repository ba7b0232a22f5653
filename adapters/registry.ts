// Adapters are looked up by the mapping file's `type`; registering is the only coupling.
import type { DatabaseAdapter, DocumentStoreAdapter } from './types.js';

const databases = new Map<string, DatabaseAdapter<any>>();
const stores = new Map<string, DocumentStoreAdapter<any>>();

export function registerDatabase(adapter: DatabaseAdapter<any>): void {
  databases.set(adapter.type, adapter);
}

export function registerDocumentStore(adapter: DocumentStoreAdapter<any>): void {
  stores.set(adapter.type, adapter);
}

export function databaseAdapter(type: string): DatabaseAdapter<any> | undefined {
  return databases.get(type);
}

export function documentStoreAdapter(type: string): DocumentStoreAdapter<any> | undefined {
  return stores.get(type);
}

export function databaseTypes(): string[] {
  return [...databases.keys()].sort();
}

export function documentStoreTypes(): string[] {
  return [...stores.keys()].sort();
}
