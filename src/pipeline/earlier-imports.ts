// Before listing: what earlier runs sent without seeing the end of it. An archive sent without
// an answer goes again with its Idempotency-Key (Clearnox answers with the first import if it had
// it); an accepted import is waited for. Once they finish, their entries leave the list of
// missing ones, so this run does not send those documents again; while one is still processing,
// its entries are held back for the next run. What they attached or refused is this run's to
// report, since no run reported it.
import { access } from 'node:fs/promises';
import type { ImportDocument } from '../clearnox/contract.js';
import { ClearnoxApiError, ImportTimeoutError, NotFoundError } from '../clearnox/errors.js';
import type { Logger } from '../log.js';
import type { ClearnoxApi } from './api.js';
import { documentOutcome, type EntryResult } from './outcomes.js';
import type { PendingImport, RunState } from './run-state.js';

/** The contract keeps an Idempotency-Key for 24 hours; past that, waiting is no longer the safe side. */
const GIVE_UP_AFTER_MS = 24 * 3600_000;

/** An earlier run's import this run saw complete. */
export interface FinishedImport {
  importId: string;
  /** The archive had no answer and was sent again; otherwise its import was waited for. */
  resent: boolean;
  documents: ImportDocument[];
  /** As the run that sent it listed its entries (absent from state files written before it was kept). */
  entries?: PendingImport['entries'];
}

export interface SettleOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  now?: () => number;
  /** Told of each completed import as soon as it is seen, so that a run stopped later still reports it. */
  onFinished?: (done: FinishedImport) => void;
}

/** Entries of imports still processing, by entry id. */
export async function settleEarlierImports(
  state: Pick<RunState, 'pending' | 'settled' | 'accepted' | 'assertHeld'>,
  api: Pick<ClearnoxApi, 'waitForImport' | 'uploadArchive'>,
  log: Logger,
  { timeoutMs, signal, now = Date.now, onFinished }: SettleOptions,
): Promise<Map<string, PendingImport>> {
  const held = new Map<string, PendingImport>();
  for (const earlier of [...state.pending]) {
    const key = earlier.idempotencyKey;
    const old = now() - Date.parse(earlier.sentAt) > GIVE_UP_AFTER_MS;
    let importId = earlier.importId;
    const resent = importId === undefined;
    if (importId === undefined) {
      const sent = `An archive of ${earlier.entryIds.length} entries, sent on ${earlier.sentAt} without an answer,`;
      if (old || !earlier.archive || !(await exists(earlier.archive))) {
        log.warn({ idempotencyKey: key }, `${sent} cannot be sent again as it was${old ? ' (over a day ago)' : ' (the archive is gone)'}: its entries are sent anew if still missing.`);
        await state.settled(key);
        continue;
      }
      // As before each of this run's own archives: a run that lost its lock sends nothing.
      await state.assertHeld();
      try {
        importId = (await api.uploadArchive(earlier.archive, key, signal)).importId;
      } catch (e) {
        // Refused outright: nothing was imported, and the entries go in this run's archives.
        if (!(e instanceof ClearnoxApiError) || e.status >= 500 || e.status === 429) throw e;
        log.warn({ idempotencyKey: key }, `${sent} was refused when sent again (${e.message}): its entries are sent anew.`);
        await state.settled(key);
        continue;
      }
      log.info({ importId, idempotencyKey: key }, `${sent} was sent again with its Idempotency-Key: import ${importId}.`);
      await state.accepted(key, importId);
    }
    const which = `Import ${importId}, sent on ${earlier.sentAt} by a run that did not see it finish,`;
    try {
      const result = await api.waitForImport(importId, { timeoutMs, ...(signal ? { signal } : {}) });
      const docs = result.documents ?? [];
      const rejected = docs.filter((d) => d.status === 'rejected').length;
      if (result.status === 'completed') {
        log.info({ importId, attached: docs.length - rejected, rejected }, `${which} completed: ${docs.length - rejected} attached, ${rejected} rejected.`);
        onFinished?.({ importId, resent, documents: docs, ...(earlier.entries ? { entries: earlier.entries } : {}) });
      } else {
        log.warn({ importId, error: result.error?.code }, `${which} failed (${result.error?.code ?? 'no reason given'}): its entries are sent again.`);
      }
      await state.settled(key);
    } catch (e) {
      if (e instanceof ImportTimeoutError && old) {
        // An import stuck for a day would hold its entries back forever: they go again.
        log.warn({ importId }, `${which} is still processing a day later: its entries are sent again.`);
        await state.settled(key);
      } else if (e instanceof ImportTimeoutError) {
        for (const id of earlier.entryIds) held.set(id, { ...earlier, importId });
        log.warn({ importId, entries: earlier.entryIds.length }, `${which} is still processing: its ${earlier.entryIds.length} entries are left for the next run.`);
      } else if (e instanceof NotFoundError) {
        // Clearnox keeps imports for a while only; an unknown one cannot be waited for.
        log.warn({ importId }, `${which} is unknown to Clearnox: its entries are sent again if still missing.`);
        await state.settled(key);
      } else {
        throw e;
      }
    }
  }
  return held;
}

/**
 * The report's rows for what earlier runs' imports did, one per entry, leaving out the entries
 * this run listed: those are still missing, and this run's own handling of them is their row.
 */
export function earlierRows(finished: readonly FinishedImport[], listed: ReadonlySet<string>): EntryResult[] {
  const rows = new Map<string, EntryResult>();
  for (const { importId, resent, documents, entries } of finished) {
    const how = resent ? "an earlier run's archive, sent again by this run" : "an earlier run's import, waited for by this run";
    for (const doc of documents) {
      const { outcome, reasonCode, reason } = documentOutcome(doc);
      for (const entryId of doc.entryIds) {
        if (listed.has(entryId)) continue;
        rows.set(entryId, { entryId, ...entries?.[entryId], outcome, reasonCode, reason: `${reason} (import ${importId}: ${how})`, fileName: doc.fileName, importId, sentByEarlierRun: true });
      }
    }
  }
  return [...rows.values()];
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
