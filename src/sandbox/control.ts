// The test-facing remote control of a sandbox: simulate what the real service does to a client
// that cannot be provoked on demand (key rotation, outages, someone else attaching a document).
import { IMPORT_FAILURE_CODES } from '../clearnox/contract.js';
import type { FaultInjector, FaultRoute } from './faults.js';
import type { EntryInput, SandboxStore } from './store.js';

export interface SandboxControl {
  /** Every token issued so far answers 401 TOKEN_EXPIRED from now on (key rotation). */
  expireAllTokens(): void;
  /** The next `times` (default 1) requests to `route` get this status and error code, before any other check. */
  failNext(route: FaultRoute, status: number, code: string, times?: number): void;
  /**
   * The next `times` (default 1) requests to `route` are handled in full (an import is created),
   * then the connection is cut instead of answering: the client cannot know what happened.
   */
  loseNextAnswer(route: FaultRoute, times?: number): void;
  /** The next accepted import ends `failed` with this code (default INTERNAL) and attaches nothing. */
  failNextImport(code?: string): void;
  /** More entries without a document, validated like the start entries. */
  addEntries(entries: EntryInput[]): void;
  /** Someone else attached a document to this entry: it leaves the list and refuses further documents. */
  attachOutOfBand(entryId: string): void;
}

/** Failures promised by failNextImport, consumed by the next accepted import. */
export class ForcedImportFailures {
  private readonly queue: string[] = [];

  push(code: string): void {
    this.queue.push(code);
  }

  take(): string | null {
    return this.queue.shift() ?? null;
  }
}

export const OUT_OF_BAND_FILE_NAME = '(attached outside the API)';

export function createControl(store: SandboxStore, faults: FaultInjector, forced: ForcedImportFailures): SandboxControl {
  return {
    expireAllTokens: () => store.expireAllTokens(),
    failNext: (route, status, code, times) => faults.failNext(route, status, code, times),
    loseNextAnswer: (route, times) => faults.loseNextAnswer(route, times),
    failNextImport: (code = 'INTERNAL') => {
      if (!(IMPORT_FAILURE_CODES as readonly string[]).includes(code)) {
        throw new Error(`failNextImport: "${code}" is not an import failure code (${IMPORT_FAILURE_CODES.join(', ')})`);
      }
      forced.push(code);
    },
    addEntries: (entries) => store.addEntries(entries),
    attachOutOfBand: (entryId) => {
      const record = store.getEntry(entryId);
      if (!record) throw new Error(`attachOutOfBand: unknown entry ${entryId}`);
      if (record.attached) throw new Error(`attachOutOfBand: entry ${entryId} already has a document`);
      store.attach(entryId, { fileName: OUT_OF_BAND_FILE_NAME, size: 0, sha256: '', importId: null });
    },
  };
}
