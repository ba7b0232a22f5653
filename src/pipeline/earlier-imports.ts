// Before listing: the imports an earlier run saw accepted but not finished. Once they finish,
// their entries leave the list of missing ones, so this run does not send those documents again;
// while one is still processing, its entries are held back for the next run.
import { ImportTimeoutError, NotFoundError } from '../clearnox/errors.js';
import type { Logger } from '../log.js';
import type { ClearnoxApi } from './api.js';
import type { PendingImport, RunState } from './run-state.js';

/** The contract keeps an Idempotency-Key for 24 hours; past that, waiting is no longer the safe side. */
const GIVE_UP_AFTER_MS = 24 * 3600_000;

/** Entries of imports still processing, by entry id. */
export async function settleEarlierImports(
  state: Pick<RunState, 'pending' | 'settled'>,
  api: Pick<ClearnoxApi, 'waitForImport'>,
  timeoutMs: number,
  log: Logger,
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<Map<string, PendingImport>> {
  const held = new Map<string, PendingImport>();
  for (const earlier of state.pending) {
    const which = `Import ${earlier.importId}, sent on ${earlier.sentAt} by a run that did not see it finish,`;
    try {
      const result = await api.waitForImport(earlier.importId, { timeoutMs, ...(signal ? { signal } : {}) });
      const docs = result.documents ?? [];
      const rejected = docs.filter((d) => d.status === 'rejected').length;
      if (result.status === 'completed') {
        log.info({ importId: earlier.importId, attached: docs.length - rejected, rejected }, `${which} completed: ${docs.length - rejected} attached, ${rejected} rejected.`);
      } else {
        log.warn({ importId: earlier.importId, error: result.error?.code }, `${which} failed (${result.error?.code ?? 'no reason given'}): its entries are sent again.`);
      }
      await state.settled(earlier.importId);
    } catch (e) {
      if (e instanceof ImportTimeoutError && now() - Date.parse(earlier.sentAt) > GIVE_UP_AFTER_MS) {
        // An import stuck for a day would hold its entries back forever: they go again.
        log.warn({ importId: earlier.importId }, `${which} is still processing a day later: its entries are sent again.`);
        await state.settled(earlier.importId);
      } else if (e instanceof ImportTimeoutError) {
        for (const id of earlier.entryIds) held.set(id, earlier);
        log.warn({ importId: earlier.importId, entries: earlier.entryIds.length }, `${which} is still processing: its ${earlier.entryIds.length} entries are left for the next run.`);
      } else if (e instanceof NotFoundError) {
        // Clearnox keeps imports for a while only; an unknown one cannot be waited for.
        log.warn({ importId: earlier.importId }, `${which} is unknown to Clearnox: its entries are sent again if still missing.`);
        await state.settled(earlier.importId);
      } else {
        throw e;
      }
    }
  }
  return held;
}
