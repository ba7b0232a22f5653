import type { Entry, ImportDocument } from '../clearnox/contract.js';

export type Outcome =
  | 'attached'
  | 'would_attach'
  | 'not_found'
  /** The ERP has the number but says its document must not be sent (source.withheldColumn): intended, not a problem. */
  | 'withheld'
  | 'file_missing'
  | 'invalid_document'
  | 'ambiguous'
  | `rejected:${string}`
  | 'error';

/** Finer cause than the outcome, for people and scripts that sort a report. */
export type ReasonCode =
  | 'no_row_in_source'
  | 'withheld_by_erp'
  | 'several_files'
  | 'no_path_in_row'
  | 'file_not_found'
  | 'permission_denied'
  | 'outside_root'
  | 'connection_lost'
  | 'unreadable'
  | 'empty_file'
  | 'too_large'
  | 'not_a_pdf'
  | 'rejected_by_clearnox'
  | 'import_failed'
  | 'import_pending'
  | 'not_sent'
  | 'not_handled'
  | 'attached'
  | 'checked';

export interface EntryResult {
  entryId: string;
  /**
   * As Clearnox listed the entry. On the rows of an earlier run's import, as that run listed it
   * (this run no longer does: the entry has its document now); absent only where that run's state
   * file predates it, and fileName then says which document it was.
   */
  documentNumber?: string;
  companyCode?: string | null;
  type?: Entry['type'];
  outcome: Outcome;
  reasonCode: ReasonCode;
  reason: string;
  /** Where the PDF is in the document store, when the source told it. */
  path?: string;
  fileName?: string;
  importId?: string;
  /** An earlier run sent this document; this run saw its import complete. */
  sentByEarlierRun?: true;
  /** On a row that needs a look: whether an earlier run of this mapping file reported the same problem (known-problems.ts). */
  problem?: 'new' | 'known';
  /** On a known problem: when a run first reported it (ISO), so a person sees how long it has lasted. */
  firstReportedAt?: string;
}

/** What a completed import says of one of its documents, as a row of the report tells it. */
export function documentOutcome(doc: ImportDocument): Pick<EntryResult, 'outcome' | 'reasonCode' | 'reason'> {
  if (doc.status === 'attached') return { outcome: 'attached', reasonCode: 'attached', reason: `attached as ${doc.fileName}` };
  const code = doc.error?.code ?? 'UNKNOWN';
  return { outcome: `rejected:${code}`, reasonCode: 'rejected_by_clearnox', reason: `Clearnox refused the document: ${doc.error?.message ?? code}` };
}
