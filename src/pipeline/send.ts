// Sends the packed archives and waits for their imports, up to the contract's two imports at
// once: an archive uploads while Clearnox processes the one before, and waiting for one import
// never holds back the next upload. Each archive is noted in the state file before it is sent,
// so that nothing is sent twice and nothing lost whatever stops the run.
import { rm } from 'node:fs/promises';
import type { Import } from '../clearnox/contract.js';
import { ClearnoxApiError } from '../clearnox/errors.js';
import type { Logger } from '../log.js';
import type { ClearnoxApi } from './api.js';
import { messageOf, stopsTheRun } from './classify.js';
import type { OutcomeLedger } from './ledger.js';
import type { PackItem } from './pack.js';
import type { NumberedArchive } from './packing.js';
import type { ProgressListener } from './progress.js';
import { plural, type ArchiveReport } from './report.js';
import type { RunState } from './run-state.js';
import { checkpoint, stage, StageError } from './stage-error.js';

/** Imports the contract lets one client have in processing at once. */
export const MAX_IMPORTS_AT_ONCE = 2;

const SENDING = 'sending the documents to Clearnox';
const MiB = 1024 * 1024;

export interface SendOptions {
  api: ClearnoxApi;
  state: RunState;
  ledger: OutcomeLedger;
  log: Logger;
  runId: string;
  pollTimeoutMs: number;
  /** Imports this run may have in processing at once (earlier runs' unfinished ones count too). */
  importsAtOnce: number;
  /** The number of archives, once every document has been checked. */
  planned: () => number | undefined;
  /** Where each archive's report is added as it is sent, also when the run stops half-way. */
  archives: ArchiveReport[];
  signal?: AbortSignal;
  progress?: ProgressListener;
}

export interface Sent {
  /** Documents left out while packing (unreadable, not a PDF). */
  leftOut: number;
}

export async function sendArchives(packed: AsyncIterable<NumberedArchive>, opts: SendOptions): Promise<Sent> {
  const { api, state, ledger, log, archives } = opts;
  const waiting = new Set<Promise<void>>();
  let leftOut = 0;
  // A failure while waiting that makes sending more pointless; raised once the others are waited for.
  let stopped: StageError | undefined;

  const noteForNextRun = (write: () => Promise<void>) =>
    // The state file spares the next run from sending documents again; failing to write it costs
    // no more than that, so it does not stop this run.
    write().catch((e: unknown) => log.warn({ err: messageOf(e) }, `Could not write the state for the next run: ${messageOf(e)}`));

  const failed = (report: ArchiveReport, included: PackItem[], e: unknown) => {
    report.status = 'error';
    report.message = messageOf(e);
    // Once accepted, Clearnox finishes the import even if this run stops waiting for it.
    const reason = report.importId
      ? `${messageOf(e)} while Clearnox was processing import ${report.importId}; the next run waits for that import before sending anything again`
      : `sending failed, the next run sends it again: ${messageOf(e)}`;
    ledger.notSent(included, reason, report.importId);
    log.error({ archive: report.index, err: messageOf(e) }, `Archive ${report.index}: ${reason}.`);
  };

  const waitFor = async (report: ArchiveReport, included: PackItem[], importId: string, idempotencyKey: string) => {
    try {
      const result = await api.waitForImport(importId, { timeoutMs: opts.pollTimeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
      report.status = result.status === 'completed' ? 'completed' : 'failed';
      if (result.error) report.message = `${result.error.code}: ${result.error.message}`;
      const failure = result.status === 'failed' ? importFailure(result) : undefined;
      ledger.importEnded(result, included, failure);
      await noteForNextRun(() => state.settled(idempotencyKey));
      const docs = result.documents ?? [];
      const rejected = docs.filter((d) => d.status === 'rejected').length;
      if (failure) {
        log.warn({ archive: report.index, importId, status: result.status }, `Archive ${report.index} (import ${importId}): ${failure}.`);
      } else {
        log.info(
          { archive: report.index, importId, status: result.status, attached: docs.length - rejected, rejected },
          `Archive ${report.index}: ${docs.length - rejected} attached, ${rejected} rejected (import ${importId}).`,
        );
      }
    } catch (e) {
      failed(report, included, e);
      if (stopsTheRun(e)) stopped ??= new StageError(SENDING, e);
    }
  };

  try {
    for await (const archive of packed) {
      leftOut += archive.skipped.length;
      for (const { item, error } of archive.skipped) ledger.documentFailed(item.key, item.path, error);
      try {
        if (archive.included.length === 0) continue;
        // A slot among the imports in processing; a stop seen meanwhile sends nothing more.
        while (waiting.size >= opts.importsAtOnce && !stopped) await Promise.race(waiting);
        if (stopped) break;
        checkpoint(opts.signal, SENDING);
        // A run that lost its lock to another one must not send what that one sends too.
        await stage(SENDING, () => state.assertHeld());
        const report = await send(archive);
        if (report) {
          const pending = waitFor(report, archive.included, report.importId!, idempotencyKeyOf(opts.runId, archive)).finally(() => waiting.delete(pending));
          waiting.add(pending);
        }
      } finally {
        await rm(archive.file, { force: true });
      }
    }
  } finally {
    await Promise.all(waiting);
  }
  if (stopped) throw stopped;
  return { leftOut };

  // Uploads one archive; its report once Clearnox accepted it, or null when sending failed in a
  // way that lets the run go on.
  async function send(archive: NumberedArchive): Promise<ArchiveReport | null> {
    const report: ArchiveReport = { index: archive.index, documents: archive.included.length, bytes: archive.bytes, sha256: archive.sha256, status: 'not_sent' };
    archives.push(report);
    const idempotencyKey = idempotencyKeyOf(opts.runId, archive);
    try {
      const total = opts.planned();
      log.info(
        { archive: report.index, documents: report.documents, bytes: report.bytes },
        `Sending archive ${report.index}${total ? ` of ${total}` : ''} (${plural(report.documents, 'document')}, ${(report.bytes / MiB).toFixed(1)} MiB)...`,
      );
      await noteForNextRun(() =>
        state.sending({
          idempotencyKey,
          runId: opts.runId,
          sentAt: new Date().toISOString(),
          entryIds: archive.included.flatMap((i) => i.entryIds),
          entries: ledger.entriesOf(archive.included),
          archive: archive.file,
        }),
      );
      opts.progress?.({ type: 'start', stage: 'upload' });
      const accepted = await api.uploadArchive(archive.file, idempotencyKey, opts.signal);
      opts.progress?.({ type: 'done', stage: 'upload', items: report.documents, bytes: report.bytes });
      report.importId = accepted.importId;
      await noteForNextRun(() => state.accepted(idempotencyKey, accepted.importId));
      return report;
    } catch (e) {
      // A clear refusal imported nothing; after a cut connection or a 5xx nobody knows, and the
      // next run sends the same archive again under the same key.
      const refused = e instanceof ClearnoxApiError && e.status < 500;
      await noteForNextRun(() => (refused ? state.settled(idempotencyKey) : state.keepArchive(idempotencyKey)));
      failed(report, archive.included, e);
      if (stopsTheRun(e)) throw new StageError(SENDING, e);
      return null;
    }
  }
}

// Same run, same bytes: the same key, so a repeated upload cannot import twice.
function idempotencyKeyOf(runId: string, archive: NumberedArchive): string {
  return `clearnox-sync-${runId}-${archive.sha256.slice(0, 32)}`;
}

function importFailure(result: Import): string {
  const code = result.error?.code ?? 'UNKNOWN';
  return `Clearnox could not import the archive (${code}: ${result.error?.message ?? 'no detail'}); nothing in it was attached, the next run sends it again`;
}
