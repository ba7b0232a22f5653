// list -> look up -> check -> pack -> upload -> wait -> report. Each stage is a module of its own;
// check, pack and send are joined by async iterables with back-pressure, so that the first archive
// is packed while later documents are still being checked, and one uploads while Clearnox
// processes the one before. Every missing entry ends with exactly one row (ledger.ts); a failing
// document only ever costs its own entries.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AdapterContext, DocumentStore } from '../../adapters/types.js';
import type { Entry } from '../clearnox/contract.js';
import type { Logger } from '../log.js';
import type { LoadedMapping } from '../mapping/schema.js';
import { makeNormaliser } from '../match/normalise.js';

import type { ClearnoxApi } from './api.js';
import { candidatesOf } from './candidates.js';
import { checkedDocuments, confirmReadable } from './check.js';
import { abortKind, messageOf } from './classify.js';
import { lookupByCompany } from './company-sources.js';
import { earlierRows, settleEarlierImports, type FinishedImport } from './earlier-imports.js';
import { scanFolderIndex } from './folder-index.js';
import { ProblemHistory, historyFile } from './known-problems.js';
import { OutcomeLedger } from './ledger.js';
import type { PackItem, SinkFactory } from './pack.js';
import { packArchives, type Packing } from './packing.js';
import type { ProgressListener } from './progress.js';
import { cutArchives } from './plan-archives.js';
import { countResults, logEntries, newRunId, plural, type ArchiveReport, type RunReport } from './report.js';
import { RunState, type PendingImport } from './run-state.js';
import { MAX_IMPORTS_AT_ONCE, sendArchives } from './send.js';
import { checkpoint, stage, StageError } from './stage-error.js';

export interface RunOptions {
  loaded: LoadedMapping;
  api: ClearnoxApi;
  log: Logger;
  /** Overrides upload.dryRun of the mapping file. */
  dryRun?: boolean;
  /** Documents checked at once against the store. */
  concurrency?: number;
  /** Where the archives are assembled: in this thread unless given (the CLI gives the packing worker's). */
  sink?: SinkFactory;
  /**
   * Stops the run between steps and while waiting for Clearnox; the reason should be an
   * InterruptedError. The report is still complete: what was not done is marked not sent.
   */
  signal?: AbortSignal;
  /** Told where the look-up, check, pack and upload stand, for a live display. */
  progress?: ProgressListener;
  /**
   * Called with the finished report before the run lets its lock go (the alerts): false when
   * nobody could be told, and the run's new problems then stay new for the next run.
   */
  announce?: (report: RunReport) => Promise<boolean>;
}

const MiB = 1024 * 1024;

export async function runSync(opts: RunOptions): Promise<RunReport> {
  const { loaded, log, signal } = opts;
  const { mapping, bound } = loaded;
  const dryRun = opts.dryRun ?? mapping.upload.dryRun;
  const startedAt = new Date().toISOString();
  const runId = newRunId();
  const ledger = new OutcomeLedger();
  const archives: ArchiveReport[] = [];
  let entries: Entry[] = [];
  let listed = false;
  // What earlier runs' imports did is reported by this run: no run has reported it.
  const finishedEarlier: FinishedImport[] = [];
  let abort: RunReport['abort'];
  let store: DocumentStore | undefined;
  let state: RunState | undefined;
  let workDir: string | undefined;
  let packing: Packing | undefined;
  const ctx: AdapterContext = { baseDir: loaded.baseDir, log, source: mapping.source };
  const dir = mapping.upload.stateDir ? path.resolve(loaded.baseDir, mapping.upload.stateDir) : path.join(path.dirname(loaded.file), 'clearnox-sync-state');
  // Which problems earlier runs reported: read as the report is made, written back under the lock.
  const history = new ProblemHistory(historyFile(dir, loaded.file), loaded.file, log);
  let finished: RunReport | undefined;

  try {
    const { clearnox } = mapping;
    log.info({ runId, dryRun, mappingFile: loaded.file }, `Run ${runId}${dryRun ? ' (dry run: nothing will be sent)' : ''}`);
    // A dry run sends nothing: it neither needs the lock nor changes what the next run finds.
    let held = new Map<string, PendingImport>();
    if (!dryRun) {
      const where = mapping.upload.workDir ? { workDir: path.resolve(loaded.baseDir, mapping.upload.workDir) } : {};
      state = await stage('taking the lock of this mapping file', () => RunState.open(dir, loaded.file, log, where));
      const known = state;
      held = await stage('waiting for the imports of earlier runs', () =>
        settleEarlierImports(known, opts.api, log, {
          timeoutMs: mapping.upload.pollTimeoutSeconds * 1000,
          onFinished: (done) => finishedEarlier.push(done),
          ...(signal ? { signal } : {}),
        }),
      );
    }
    entries = await stage('listing the missing entries in Clearnox', () =>
      opts.api.listMissingEntries(
        { companyCode: clearnox.companyCode, dateFrom: clearnox.dateFrom, dateTo: clearnox.dateTo },
        {
          pageSize: clearnox.pageSize,
          onPage: (page, total) => log.debug({ page, total }, `Read page ${page} of ${total}`),
          ...(signal ? { signal } : {}),
        },
      ),
    );
    listed = true;
    log.info({ entries: entries.length }, `${entries.length} ${entries.length === 1 ? 'entry has' : 'entries have'} no document in Clearnox.`);
    const toLookUp = entries.filter((entry) => {
      const earlier = held.get(entry.id);
      if (!earlier) return true;
      ledger.settle(
        entry,
        'error',
        'import_pending',
        `sent on ${earlier.sentAt} in import ${earlier.importId}, which Clearnox is still processing: not sent again; the next run sees how it ended`,
        { importId: earlier.importId },
      );
      return false;
    });
    if (toLookUp.length === 0) return finish();
    checkpoint(signal, 'looking the documents up in the accounting database');

    const normalise = makeNormaliser(mapping.match);
    opts.progress?.({ type: 'start', stage: 'lookup' });
    const { groups, found, unmapped } = await lookupByCompany({
      sources: bound.source,
      mappingFile: loaded.file,
      entries: toLookUp,
      normalise,
      ctx,
      stage,
      onBatch: (done, total) => {
        log.debug({ done, total }, `Looked up ${done} of ${total} document numbers`);
        opts.progress?.({ type: 'at', stage: 'lookup', done, total });
      },
    });
    for (const { group, companyCode } of unmapped) {
      ledger.settleGroup(group, 'not_found', 'no_row_in_source', `not looked up: the mapping file has no source for company ${companyCode ?? '(none)'} (source.companies)`);
    }

    // The run's private folder: archives, and files a store lands before streaming them.
    workDir = await stage('preparing the archives', () => (state ? state.makeWorkFolder() : mkdtemp(path.join(os.tmpdir(), 'clearnox-sync-'))));
    ctx.workDir = workDir;
    const { adapter: storeAdapter, options: storeOptions } = bound.documents;
    const openStore = () => stage('opening the document store', () => storeAdapter.open(storeOptions, ctx));
    // documents.index: the paths come from the store's file names, so the store is read first.
    const { index } = mapping.documents;
    if (index) store = await openStore();
    const byName = index && store ? { paths: (await stage('scanning the document store for file names', () => scanFolderIndex(store!, index, normalise, log))).paths, storeDescription: store.description } : null;
    const candidates = candidatesOf(groups, found, byName, ledger);
    log.info(
      { matched: candidates.length, groups: groups.length },
      `${candidates.length} of ${groups.length} document numbers found in the accounting database.`,
    );
    if (candidates.length === 0) return finish();
    checkpoint(signal, 'checking the documents');

    store ??= await openStore();
    const progress = opts.progress ? { progress: opts.progress } : {};
    const check = { maxDocumentBytes: Math.floor(mapping.upload.maxDocumentMiB * MiB), concurrency: opts.concurrency ?? 8, ledger, ...progress };
    opts.progress?.({ type: 'start', stage: 'check', total: candidates.length });
    const checked = checkedDocuments(candidates, store, check);
    if (dryRun) {
      await stage('checking the documents', () => confirmReadable(checked, store!, check));
      return finish();
    }

    let plan: { documents: number; archives: number } | undefined;
    const plans = cutArchives(
      checked,
      { maxBytes: Math.floor(mapping.upload.maxArchiveMiB * MiB), maxDocuments: mapping.upload.maxDocumentsPerArchive },
      metadataCost,
      (documents, count) => {
        plan = { documents, archives: count };
        opts.progress?.({ type: 'total', stage: 'pack', total: documents });
        opts.progress?.({ type: 'total', stage: 'upload', total: documents });
        log.info({ archives: count, documents }, `${plural(documents, 'document')} to send in ${plural(count, 'archive')}.`);
      },
    );
    opts.progress?.({ type: 'start', stage: 'pack' });
    packing = packArchives(plans, store, { dir: workDir, maxDocumentBytes: check.maxDocumentBytes, ...(opts.sink ? { sink: opts.sink } : {}), ...progress });
    const sent = await sendArchives(packing.archives, {
      api: opts.api,
      state: state!,
      ledger,
      log,
      runId,
      pollTimeoutMs: mapping.upload.pollTimeoutSeconds * 1000,
      // An earlier run's import still processing holds one of the contract's places.
      importsAtOnce: Math.max(1, MAX_IMPORTS_AT_ONCE - new Set([...held.values()].map((p) => p.importId)).size),
      planned: () => plan?.archives,
      archives,
      ...progress,
      ...(signal ? { signal } : {}),
    });
    if (sent.leftOut > 0) {
      const packedDocuments = archives.reduce((n, a) => n + a.documents, 0);
      log.info(
        { documents: plan?.documents, leftOut: sent.leftOut, archives: archives.length },
        `${sent.leftOut} of the ${plural(plan?.documents ?? 0, 'document')} ${sent.leftOut === 1 ? 'was' : 'were'} found invalid or unreadable while packing and left out; ` +
          (packedDocuments === 0 ? 'nothing was sent.' : `${packedDocuments} went into ${plural(archives.length, 'archive')}.`),
      );
    }
    return finish();
  } catch (e) {
    if (e instanceof StageError) {
      abort = { stage: e.stage, kind: abortKind(e.error), message: messageOf(e.error) };
      // An error no stage expects is a bug: its stack goes to the log, for the report of it.
      const stack = abort.kind === 'internal' && e.error instanceof Error ? { err: e.error.stack } : {};
      log.error({ stage: e.stage, kind: abort.kind, ...stack }, `Run aborted while ${e.stage}: ${abort.kind === 'internal' ? 'internal error (a bug): ' : ''}${abort.message}`);
    } else {
      // Outside every stage only a bug can throw: say so, with the stack in the log file.
      abort = { stage: 'the run', kind: 'internal', message: messageOf(e) };
      log.error({ err: e instanceof Error ? e.stack : String(e) }, `Run aborted by an internal error: ${abort.message}`);
    }
    return finish();
  } finally {
    await packing?.drain();
    await store?.close().catch((e: unknown) => log.warn({ err: messageOf(e) }, 'Closing the document store failed'));
    if (workDir) await rm(workDir, { recursive: true, force: true });
    // Under the lock, before the history is written: a problem nobody was told of is not known yet.
    if (finished && opts.announce && !(await opts.announce(finished).catch(() => false))) history.untold();
    if (state) await history.save();
    await state?.close();
  }

  function finish(): RunReport {
    const ordered = [...ledger.rows(entries), ...earlierRows(finishedEarlier, new Set(entries.map((e) => e.id)))];
    const counts = countResults(ordered, {
      uploadedArchives: archives.filter((a) => a.status === 'completed').length,
      earlierImports: finishedEarlier.length,
    });
    const failures = ordered.some((r) => !['attached', 'would_attach', 'not_found', 'withheld'].includes(r.outcome));
    // Marked before they are logged: the log says which problems are not news.
    const report = history.mark({
      runId,
      tool: 'clearnox-sync',
      mappingFile: loaded.file,
      startedAt,
      finishedAt: new Date().toISOString(),
      dryRun,
      status: abort ? 'aborted' : failures ? 'completed_with_failures' : 'completed',
      ...(abort ? { abort } : {}),
      listed,
      counts,
      archives,
      entries: ordered,
    });
    logEntries(report.entries, log);
    finished = report;
    return report;
  }
}

function metadataCost(d: PackItem): number {
  return Buffer.byteLength(d.fileName) + Buffer.byteLength(d.documentNumber) + d.entryIds.reduce((n, id) => n + id.length + 4, 0) + 80;
}
