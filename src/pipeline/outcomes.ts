import type { Entry } from '../clearnox/contract.js';

export type Outcome =
  | 'attached'
  | 'would_attach'
  | 'not_found'
  | 'file_missing'
  | 'invalid_document'
  | 'ambiguous'
  | `rejected:${string}`
  | 'error';

/** Finer cause than the outcome, for people and scripts that sort a report. */
export type ReasonCode =
  | 'no_row_in_source'
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
  | 'attached'
  | 'checked';

export interface EntryResult {
  entryId: string;
  documentNumber: string;
  companyCode: string | null;
  type: Entry['type'];
  outcome: Outcome;
  reasonCode: ReasonCode;
  reason: string;
  /** Where the PDF is in the document store, when the source told it. */
  path?: string;
  fileName?: string;
  importId?: string;
}
