// Every missing entry ends with exactly one row, and every row is written here: the stages say
// what happened to a document, the ledger turns it into its entries' outcomes. An entry no stage
// reached is not handled, never silently dropped.
import { DocumentError } from '../../adapters/types.js';
import type { Entry, Import } from '../clearnox/contract.js';
import type { DocumentGroup } from '../match/groups.js';
import { messageOf } from './classify.js';
import { InvalidDocumentError } from './document-check.js';
import { documentOutcome, type EntryResult, type Outcome, type ReasonCode } from './outcomes.js';
import type { PackItem } from './pack.js';

type Extra = Partial<EntryResult>;

export class OutcomeLedger {
  private readonly results = new Map<string, EntryResult>();
  private readonly groups = new Map<string, DocumentGroup>();

  settle(entry: Entry, outcome: Outcome, reasonCode: ReasonCode, reason: string, extra: Extra = {}): void {
    this.results.set(entry.id, {
      entryId: entry.id,
      documentNumber: entry.documentNumber,
      companyCode: entry.companyCode,
      type: entry.type,
      outcome,
      reasonCode,
      reason,
      ...extra,
    });
  }

  settleGroup(group: DocumentGroup, outcome: Outcome, reasonCode: ReasonCode, reason: string, extra: Extra = {}): void {
    for (const entry of group.entries) this.settle(entry, outcome, reasonCode, reason, extra);
  }

  /** The ERP says the document must not be sent: its own words, for the person who wonders why. */
  withheld(group: DocumentGroup, reasons: readonly string[]): void {
    // The column may be a free-text memo: the report's row stays one line.
    const said = reasons.map((r) => (r.length > 200 ? `${r.slice(0, 197)}...` : r)).join('; ');
    this.settleGroup(group, 'withheld', 'withheld_by_erp', `the ERP says: ${said}; not sent`);
  }

  /** The groups whose documents go on to be checked, packed and sent, by their key. */
  track(group: DocumentGroup): void {
    this.groups.set(group.key, group);
  }

  group(key: string): DocumentGroup {
    const group = this.groups.get(key);
    if (!group) throw new Error(`no document group ${key} is tracked`);
    return group;
  }

  /** The entries of the documents in an archive, as the state file keeps them for the next run. */
  entriesOf(items: PackItem[]): Record<string, Pick<Entry, 'documentNumber' | 'companyCode' | 'type'>> {
    return Object.fromEntries(
      items.flatMap((i) => this.group(i.key).entries.map((e) => [e.id, { documentNumber: e.documentNumber, companyCode: e.companyCode, type: e.type }])),
    );
  }

  /** A document that could not be read or is not a PDF costs its own entries only. */
  documentFailed(key: string, docPath: string, e: unknown): void {
    const group = this.group(key);
    const where = { path: docPath };
    if (e instanceof InvalidDocumentError) {
      this.settleGroup(group, 'invalid_document', e.reasonCode, `${e.message}; not sent`, where);
    } else if (e instanceof DocumentError) {
      if (e.kind === 'not_found') this.settleGroup(group, 'file_missing', 'file_not_found', e.message, where);
      else if (e.kind === 'outside_root') this.settleGroup(group, 'invalid_document', 'outside_root', e.message, where);
      else this.settleGroup(group, 'error', e.kind, e.message, where);
    } else {
      this.settleGroup(group, 'error', 'unreadable', messageOf(e), where);
    }
  }

  wouldAttach(item: PackItem): void {
    this.settleGroup(this.group(item.key), 'would_attach', 'checked', `would be sent as ${item.fileName}`, { path: item.path, fileName: item.fileName });
  }

  /** What Clearnox said of each document of an import that ended; `failure` when the whole import failed. */
  importEnded(result: Import, included: PackItem[], failure: string | undefined): void {
    const reported = new Map((result.documents ?? []).map((d) => [d.fileName, d]));
    for (const item of included) {
      const group = this.group(item.key);
      const extra = { path: item.path, fileName: item.fileName, importId: result.importId };
      const doc = reported.get(item.fileName);
      if (failure) {
        this.settleGroup(group, 'error', 'import_failed', failure, extra);
      } else if (!doc) {
        this.settleGroup(group, 'error', 'import_failed', 'Clearnox did not report on this document', extra);
      } else {
        const { outcome, reasonCode, reason } = documentOutcome(doc);
        this.settleGroup(group, outcome, reasonCode, reason, extra);
      }
    }
  }

  /** An archive whose import this run did not see end. */
  notSent(included: PackItem[], reason: string, importId: string | undefined): void {
    for (const item of included) {
      this.settleGroup(this.group(item.key), 'error', 'not_sent', reason, { path: item.path, fileName: item.fileName, ...(importId ? { importId } : {}) });
    }
  }

  /** One row per entry, in the listing's order. */
  rows(entries: Entry[]): EntryResult[] {
    for (const entry of entries) {
      if (!this.results.has(entry.id)) this.settle(entry, 'error', 'not_handled', 'not handled: the run stopped before this entry');
    }
    return entries.map((e) => this.results.get(e.id)!);
  }
}
