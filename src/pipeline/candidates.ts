// From what the accounting database (or the store's file names) gave for each number to the
// documents worth reading: a number with no row, no path or several files ends here, and so does
// one the ERP withholds (source.withheldColumn). A number with a row to send besides withheld
// ones is sent from that row: the entry Clearnox lists was booked, and a cancelled or draft row
// of the same number (a number used again, another series) is no reason to hold it back.
import type { DocumentGroup } from '../match/groups.js';
import type { OutcomeLedger } from './ledger.js';
import type { SourceMatches } from './lookup.js';

export interface Candidate {
  group: DocumentGroup;
  path: string;
}

export function candidatesOf(
  groups: DocumentGroup[],
  found: SourceMatches,
  byName: { paths: Map<string, string[]>; storeDescription: string } | null,
  ledger: OutcomeLedger,
): Candidate[] {
  const candidates: Candidate[] = [];
  for (const group of groups) {
    const row = found.get(group.key);
    const match = row && byName ? { paths: byName.paths.get(group.key) ?? [] } : row;
    if (!match) {
      ledger.settleGroup(group, 'not_found', 'no_row_in_source', 'no document with this number in the accounting database');
    } else if (row?.withheld && row.paths.length === 0 && row.rowsWithoutPath === 0) {
      ledger.withheld(group, row.withheld);
    } else if (match.paths.length > 1) {
      ledger.settleGroup(
        group,
        'ambiguous',
        'several_files',
        `${byName ? 'the document store holds' : 'the accounting database gives'} ${match.paths.length} different files for this number (${match.paths.slice(0, 3).join(', ')}); nothing was sent rather than guessing`,
      );
    } else if (match.paths.length === 0 && byName) {
      ledger.settleGroup(group, 'file_missing', 'file_not_found', `no file name in ${byName.storeDescription} gives this number (documents.index)`);
    } else if (match.paths.length === 0) {
      ledger.settleGroup(group, 'file_missing', 'no_path_in_row', 'the accounting database has this document but no PDF path for it');
    } else {
      ledger.track(group);
      candidates.push({ group, path: match.paths[0]! });
    }
  }
  return candidates;
}
