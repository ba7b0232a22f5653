import type { Entry } from '../clearnox/contract.js';
import type { Normaliser } from './normalise.js';

/** Entries whose numbers normalise alike: they share one document (installments, VAT lines). */
export interface DocumentGroup {
  key: string;
  /** The first spelling met, used to name the file in the archive. */
  documentNumber: string;
  entries: Entry[];
}

// A run may hold a hundred thousand groups, nearly all of one entry: a group is the smallest
// object that does, its entries array made with its first entry (a third of the size of an
// empty array grown by push) and its spellings derived when asked rather than stored.
export function groupEntries(entries: Entry[], normalise: Normaliser): DocumentGroup[] {
  const groups = new Map<string, DocumentGroup>();
  for (const entry of entries) {
    const key = normalise(entry.documentNumber);
    const group = groups.get(key);
    if (group) group.entries.push(entry);
    else groups.set(key, { key, documentNumber: entry.documentNumber.trim(), entries: [entry] });
  }
  return [...groups.values()];
}

/** Every spelling Clearnox uses for the group's number, in the order met. */
export function spellingsOf(group: DocumentGroup): string[] {
  if (group.entries.length === 1) return [group.entries[0]!.documentNumber];
  return [...new Set(group.entries.map((e) => e.documentNumber))];
}
