import type { Entry } from '../clearnox/contract.js';
import type { Normaliser } from './normalise.js';

/** Entries whose numbers normalise alike: they share one document (installments, VAT lines). */
export interface DocumentGroup {
  key: string;
  /** The first spelling met, used to name the file in the archive. */
  documentNumber: string;
  /** Every spelling Clearnox uses for this number. */
  spellings: string[];
  entries: Entry[];
}

export function groupEntries(entries: Entry[], normalise: Normaliser): DocumentGroup[] {
  const groups = new Map<string, DocumentGroup>();
  for (const entry of entries) {
    const key = normalise(entry.documentNumber);
    let group = groups.get(key);
    if (!group) {
      group = { key, documentNumber: entry.documentNumber.trim(), spellings: [], entries: [] };
      groups.set(key, group);
    }
    if (!group.spellings.includes(entry.documentNumber)) group.spellings.push(entry.documentNumber);
    group.entries.push(entry);
  }
  return [...groups.values()];
}
