// source -> match -> fetch -> pack -> upload -> report. Every missing entry ends with exactly one
// result; a failing document only ever costs its own entries.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { AdapterContext, DocumentStore } from '../../adapters/types.js';
import { DocumentError } from '../../adapters/types.js';
import type { Entry, Import } from '../clearnox/contract.js';
import { ClearnoxApiError } from '../clearnox/errors.js';
import type { Logger } from '../log.js';
import type { AdapterSets, LoadedMapping } from '../mapping/schema.js';
import type { DocumentGroup } from '../match/groups.js';
import { makeNormaliser } from '../match/normalise.js';
import type { ClearnoxApi } from './api.js';
import { abortKind, messageOf, stopsTheRun } from './classify.js';
import { InvalidDocumentError, openPdf, statDocument } from './document-check.js';
import { FileNamer } from './file-names.js';
import { scanFolderIndex } from './folder-index.js';
import { lookupByCompany } from './company-sources.js';
import { documentOutcome, type EntryResult, type Outcome, type ReasonCode } from './outcomes.js';
import { packArchive, type PackItem } from './pack.js';
import { planArchives } from './plan-archives.js';
import { countResults, logEntries, newRunId, type ArchiveReport, type RunReport } from './report.js';
import { RunState, type PendingImport } from './run-state.js';
import { earlierRows, settleEarlierImports, type FinishedImport } from './earlier-imports.js';

export interface RunOptions {
  loaded: LoadedMapping;
  adapters: AdapterSets;
  api: ClearnoxApi;
  log: Logger;
  /** Overrides upload.dryRun of the mapping file. */
  dryRun?: boolean;
  /** Documents checked at once against the store. */
  concurrency?: number;
  /**
   * Stops the run between steps and while waiting for Clearnox; the reason should be an
   * InterruptedError. The report is still complete: what was not done is marked not sent.
   */
  signal?: AbortSignal;
}

const MiB = 1024 * 1024;

class StageError extends Error {
  override readonly name = 'StageError';
  constructor(
    readonly stage: string,
    readonly error: unknown,
  ) {
    super(messageOf(error));
  }
}

async function stage<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw new StageError(name, e);
  }
}

export async function runSync(opts: RunOptions): Promise<RunReport> {
  const { loaded, log } = opts;
  const { mapping } = loaded;
  const dryRun = opts.dryRun ?? mapping.upload.dryRun;
  const startedAt = new Date().toISOString();
  const runId = newRunId();
  const results = new Map<string, EntryResult>();
  const archives: ArchiveReport[] = [];
  let entries: Entry[] = [];
  let listed = false;
  // What earlier runs' imports did is reported by this run: no run has reported it.
  const finishedEarlier: FinishedImport[] = [];
  let abort: RunReport['abort'];
  let store: DocumentStore | undefined;
  let workDir: string | undefined;
  let state: RunState | undefined;
  const ctx: AdapterContext = { baseDir: loaded.baseDir, log, source: mapping.source };

  const settle = (entry: Entry, outcome: Outcome, reasonCode: ReasonCode, reason: string, extra: Partial<EntryResult> = {}) => {
    results.set(entry.id, {
      entryId: entry.id,
      documentNumber: entry.documentNumber,
      companyCode: entry.companyCode,
      type: entry.type,
      outcome,
      reasonCode,
      reason,
      ...extra,
    });
  };
  // Between steps: stop as soon as the operator asked, without cutting a step in half.
  const checkpoint = (stageName: string) => {
    if (opts.signal?.aborted) throw new StageError(stageName, opts.signal.reason);
  };

  const settleGroup = (group: DocumentGroup, outcome: Outcome, reasonCode: ReasonCode, reason: string, extra: Partial<EntryResult> = {}) => {
    for (const entry of group.entries) settle(entry, outcome, reasonCode, reason, extra);
  };

  try {
    const { clearnox } = mapping;
    log.info({ runId, dryRun, mappingFile: loaded.file }, `Run ${runId}${dryRun ? ' (dry run: nothing will be sent)' : ''}`);
    // A dry run sends nothing: it neither needs the lock nor changes what the next run finds.
    let held = new Map<string, PendingImport>();
    if (!dryRun) {
      const dir = mapping.upload.stateDir ? path.resolve(loaded.baseDir, mapping.upload.stateDir) : path.join(path.dirname(loaded.file), 'clearnox-sync-state');
      const where = mapping.upload.workDir ? { workDir: path.resolve(loaded.baseDir, mapping.upload.workDir) } : {};
      state = await stage('taking the lock of this mapping file', () => RunState.open(dir, loaded.file, log, where));
      const known = state;
      held = await stage('waiting for the imports of earlier runs', () =>
        settleEarlierImports(known, opts.api, log, {
          timeoutMs: mapping.upload.pollTimeoutSeconds * 1000,
          onFinished: (done) => finishedEarlier.push(done),
          ...(opts.signal ? { signal: opts.signal } : {}),
        }),
      );
    }
    entries = await stage('listing the missing entries in Clearnox', () =>
      opts.api.listMissingEntries(
        { companyCode: clearnox.companyCode, dateFrom: clearnox.dateFrom, dateTo: clearnox.dateTo },
        {
          pageSize: clearnox.pageSize,
          onPage: (page, total) => log.debug({ page, total }, `Read page ${page} of ${total}`),
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
      ),
    );
    listed = true;
    log.info({ entries: entries.length }, `${entries.length} ${entries.length === 1 ? 'entry has' : 'entries have'} no document in Clearnox.`);
    const toLookUp = entries.filter((entry) => {
      const earlier = held.get(entry.id);
      if (!earlier) return true;
      settle(
        entry,
        'error',
        'import_pending',
        `sent on ${earlier.sentAt} in import ${earlier.importId}, which Clearnox is still processing: not sent again; the next run sees how it ended`,
        { importId: earlier.importId },
      );
      return false;
    });
    if (toLookUp.length === 0) return finish();
    checkpoint('looking the documents up in the accounting database');

    const normalise = makeNormaliser(mapping.match);
    const { groups, found, unmapped } = await lookupByCompany({
      section: mapping.source,
      adapter: opts.adapters.databases.find((a) => a.type === mapping.source.type)!,
      entries: toLookUp,
      normalise,
      ctx,
      stage,
      onBatch: (done, total) => log.debug({ done, total }, `Looked up ${done} of ${total} document numbers`),
    });
    for (const { group, companyCode } of unmapped) {
      settleGroup(group, 'not_found', 'no_row_in_source', `not looked up: the mapping file has no source for company ${companyCode ?? '(none)'} (source.companies)`);
    }

    const storeAdapter = opts.adapters.stores.find((a) => a.type === mapping.documents.type)!;
    const openStore = () =>
      stage('opening the document store', () => storeAdapter.open(storeAdapter.optionsSchema.parse(pick(mapping.documents, storeAdapter)), ctx));
    // documents.index: the paths come from the store's file names, so the store is read first.
    const { index } = mapping.documents;
    const byName = index
      ? await openStore().then((s) => {
          store = s;
          return stage('scanning the document store for file names', () => scanFolderIndex(s, index, normalise, log));
        })
      : null;

    const candidates: { group: DocumentGroup; path: string }[] = [];
    for (const group of groups) {
      const row = found.get(group.key);
      const match = row && byName ? { paths: byName.paths.get(group.key) ?? [] } : row;
      if (!match) {
        settleGroup(group, 'not_found', 'no_row_in_source', 'no document with this number in the accounting database');
      } else if (match.paths.length > 1) {
        settleGroup(
          group,
          'ambiguous',
          'several_files',
          `${byName ? 'the document store holds' : 'the accounting database gives'} ${match.paths.length} different files for this number (${match.paths.slice(0, 3).join(', ')}); nothing was sent rather than guessing`,
        );
      } else if (match.paths.length === 0 && byName) {
        settleGroup(group, 'file_missing', 'file_not_found', `no file name in ${store!.description} gives this number (documents.index)`);
      } else if (match.paths.length === 0) {
        settleGroup(group, 'file_missing', 'no_path_in_row', 'the accounting database has this document but no PDF path for it');
      } else {
        candidates.push({ group, path: match.paths[0]! });
      }
    }
    log.info(
      { matched: candidates.length, groups: groups.length },
      `${candidates.length} of ${groups.length} document numbers found in the accounting database.`,
    );
    if (candidates.length === 0) return finish();
    checkpoint('checking the documents');

    store ??= await openStore();
    const maxDocumentBytes = Math.floor(mapping.upload.maxDocumentMiB * MiB);
    const namer = new FileNamer();
    const limit = pLimit(opts.concurrency ?? 8);
    const items: PackItem[] = [];
    await Promise.all(
      candidates.map(({ group, path: docPath }) =>
        limit(async () => {
          try {
            const size = await statDocument(store!, docPath, maxDocumentBytes);
            items.push({
              key: group.key,
              documentNumber: group.documentNumber,
              fileName: '',
              path: docPath,
              size,
              entryIds: group.entries.map((e) => e.id),
            });
          } catch (e) {
            settleDocumentFailure(group, docPath, e);
          }
        }),
      ),
    );
    // Back in the entries' order, so that runs over the same data build the same archives.
    const order = new Map(candidates.map((c, i) => [c.group.key, i]));
    items.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
    for (const item of items) item.fileName = namer.next(item.documentNumber);
    const byKey = new Map(candidates.map((c) => [c.group.key, c.group]));

    if (dryRun) {
      await Promise.all(
        items.map((item) =>
          limit(async () => {
            const group = byKey.get(item.key)!;
            try {
              (await openPdf(store!, item.path, maxDocumentBytes)).destroy();
              settleGroup(group, 'would_attach', 'checked', `would be sent as ${item.fileName}`, { path: item.path, fileName: item.fileName });
            } catch (e) {
              settleDocumentFailure(group, item.path, e);
            }
          }),
        ),
      );
      return finish();
    }

    const plan = planArchives(items, { maxBytes: Math.floor(mapping.upload.maxArchiveMiB * MiB), maxDocuments: mapping.upload.maxDocumentsPerArchive }, (d) =>
      metadataCost(d),
    );
    log.info({ archives: plan.length, documents: items.length }, `${plural(items.length, 'document')} to send in ${plural(plan.length, 'archive')}.`);
    // In the mapping file's state (or upload.workDir): the next run removes what a killed one left.
    workDir = await stage('preparing the archives', () => state!.makeWorkFolder());

    const dir = workDir;
    const pack = (index: number) =>
      stage('reading the documents', () =>
        packArchive(plan[index]!, store!, { file: path.join(dir, `archive-${String(index + 1).padStart(4, '0')}.zip`), maxDocumentBytes }),
      );
    // One archive ahead: the next is read from the store while this one uploads and Clearnox
    // processes it, so slow shares and slow uplinks overlap. At most two archives are on disk.
    let leftOutWhilePacking = 0;
    let ahead: ReturnType<typeof pack> | undefined = plan.length > 0 ? pack(0) : undefined;
    ahead?.catch(() => {});
    try {
      for (let index = 0; index < plan.length; index++) {
        const packed = await ahead!;
        checkpoint('sending the documents to Clearnox');
        ahead = index + 1 < plan.length ? pack(index + 1) : undefined;
        ahead?.catch(() => {});
        leftOutWhilePacking += packed.skipped.length;
        for (const { item, error } of packed.skipped) settleDocumentFailure(byKey.get(item.key)!, item.path, error);
        if (packed.included.length === 0) continue;
        // A run that lost its lock to another one must not send what that one sends too.
        await stage('sending the documents to Clearnox', () => state!.assertHeld());
        const report: ArchiveReport = {
          index: index + 1,
          documents: packed.included.length,
          bytes: packed.bytes,
          sha256: packed.sha256,
          status: 'not_sent',
        };
        archives.push(report);
        // Same run, same bytes: the same key, so a repeated upload cannot import twice.
        const idempotencyKey = `clearnox-sync-${runId}-${packed.sha256.slice(0, 32)}`;
        try {
          log.info({ archive: report.index, documents: report.documents, bytes: report.bytes }, `Sending archive ${report.index} of ${plan.length} (${plural(report.documents, 'document')}, ${(report.bytes / MiB).toFixed(1)} MiB)...`);
          await noteForNextRun(() =>
            state!.sending({
              idempotencyKey,
              runId,
              sentAt: new Date().toISOString(),
              entryIds: packed.included.flatMap((i) => i.entryIds),
              entries: Object.fromEntries(
                packed.included.flatMap((i) => byKey.get(i.key)!.entries.map((e) => [e.id, { documentNumber: e.documentNumber, companyCode: e.companyCode, type: e.type }])),
              ),
              archive: packed.file,
            }),
          );
          const accepted = await opts.api.uploadArchive(packed.file, idempotencyKey, opts.signal);
          report.importId = accepted.importId;
          await noteForNextRun(() => state!.accepted(idempotencyKey, accepted.importId));
          const result = await opts.api.waitForImport(accepted.importId, {
            timeoutMs: mapping.upload.pollTimeoutSeconds * 1000,
            ...(opts.signal ? { signal: opts.signal } : {}),
          });
          report.status = result.status === 'completed' ? 'completed' : 'failed';
          if (result.error) report.message = `${result.error.code}: ${result.error.message}`;
          const failure = result.status === 'failed' ? importFailure(result) : undefined;
          recordImport(result, packed.included, byKey, failure);
          await noteForNextRun(() => state!.settled(idempotencyKey));
          const docs = result.documents ?? [];
          const rejected = docs.filter((d) => d.status === 'rejected').length;
          if (failure) {
            log.warn({ archive: report.index, importId: accepted.importId, status: result.status }, `Archive ${report.index} (import ${accepted.importId}): ${failure}.`);
          } else {
            log.info(
              { archive: report.index, importId: accepted.importId, status: result.status, attached: docs.length - rejected, rejected },
              `Archive ${report.index}: ${docs.length - rejected} attached, ${rejected} rejected (import ${accepted.importId}).`,
            );
          }
        } catch (e) {
          report.status = 'error';
          report.message = messageOf(e);
          if (!report.importId) {
            // A clear refusal imported nothing; after a cut connection or a 5xx nobody knows, and
            // the next run sends the same archive again under the same key.
            const refused = e instanceof ClearnoxApiError && e.status < 500;
            await noteForNextRun(() => (refused ? state!.settled(idempotencyKey) : state!.keepArchive(idempotencyKey)));
          }
          // Once accepted, Clearnox finishes the import even if this run stops waiting for it.
          const reason = report.importId
            ? `${messageOf(e)} while Clearnox was processing import ${report.importId}; the next run waits for that import before sending anything again`
            : `sending failed, the next run sends it again: ${messageOf(e)}`;
          for (const item of packed.included) {
            settleGroup(byKey.get(item.key)!, 'error', 'not_sent', reason, {
              path: item.path,
              fileName: item.fileName,
              ...(report.importId ? { importId: report.importId } : {}),
            });
          }
          log.error({ archive: report.index, err: messageOf(e) }, `Archive ${report.index}: ${reason}.`);
          if (stopsTheRun(e)) throw new StageError('sending the documents to Clearnox', e);
        } finally {
          await rm(packed.file, { force: true });
        }
      }
    } finally {
      // An abort must not close the store or remove the folder under an archive still being read.
      await ahead?.then((p) => rm(p.file, { force: true })).catch(() => {});
    }
    if (leftOutWhilePacking > 0) {
      const packedDocuments = archives.reduce((n, a) => n + a.documents, 0);
      log.info(
        { documents: items.length, leftOut: leftOutWhilePacking, archives: archives.length },
        `${leftOutWhilePacking} of the ${plural(items.length, 'document')} ${leftOutWhilePacking === 1 ? 'was' : 'were'} found invalid or unreadable while packing and left out; ` +
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
    await store?.close().catch((e: unknown) => log.warn({ err: messageOf(e) }, 'Closing the document store failed'));
    if (workDir) await rm(workDir, { recursive: true, force: true });
    await state?.close();
  }

  // The state file spares the next run from sending documents again; failing to write it
  // costs no more than that, so it does not stop this run.
  async function noteForNextRun(write: () => Promise<void>): Promise<void> {
    await write().catch((e: unknown) => log.warn({ err: messageOf(e) }, `Could not write the state for the next run: ${messageOf(e)}`));
  }

  function settleDocumentFailure(group: DocumentGroup, docPath: string, e: unknown): void {
    const where = { path: docPath };
    if (e instanceof InvalidDocumentError) {
      settleGroup(group, 'invalid_document', e.reasonCode, `${e.message}; not sent`, where);
    } else if (e instanceof DocumentError) {
      if (e.kind === 'not_found') settleGroup(group, 'file_missing', 'file_not_found', e.message, where);
      else if (e.kind === 'outside_root') settleGroup(group, 'invalid_document', 'outside_root', e.message, where);
      else settleGroup(group, 'error', e.kind, e.message, where);
    } else {
      settleGroup(group, 'error', 'unreadable', messageOf(e), where);
    }
  }

  function recordImport(result: Import, included: PackItem[], byKey: Map<string, DocumentGroup>, failure: string | undefined): void {
    const reported = new Map((result.documents ?? []).map((d) => [d.fileName, d]));
    for (const item of included) {
      const group = byKey.get(item.key)!;
      const extra = { path: item.path, fileName: item.fileName, importId: result.importId };
      const doc = reported.get(item.fileName);
      if (failure) {
        settleGroup(group, 'error', 'import_failed', failure, extra);
      } else if (!doc) {
        settleGroup(group, 'error', 'import_failed', 'Clearnox did not report on this document', extra);
      } else {
        const { outcome, reasonCode, reason } = documentOutcome(doc);
        settleGroup(group, outcome, reasonCode, reason, extra);
      }
    }
  }

  function finish(): RunReport {
    for (const entry of entries) {
      if (!results.has(entry.id)) settle(entry, 'error', 'not_handled', 'not handled: the run stopped before this entry');
    }
    const ordered = [...entries.map((e) => results.get(e.id)!), ...earlierRows(finishedEarlier, new Set(entries.map((e) => e.id)))];
    const counts = countResults(ordered, {
      uploadedArchives: archives.filter((a) => a.status === 'completed').length,
      earlierImports: finishedEarlier.length,
    });
    logEntries(ordered, log);
    const failures = ordered.some((r) => !['attached', 'would_attach', 'not_found'].includes(r.outcome));
    return {
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
    };
  }
}

// An adapter's options are the section's keys minus those the core owns.
function pick(section: Record<string, unknown>, adapter: { optionsSchema: unknown }): Record<string, unknown> {
  const shape = (adapter.optionsSchema as { shape?: Record<string, unknown> }).shape ?? {};
  return Object.fromEntries(Object.entries(section).filter(([k]) => k in shape));
}

function importFailure(result: Import): string {
  const code = result.error?.code ?? 'UNKNOWN';
  return `Clearnox could not import the archive (${code}: ${result.error?.message ?? 'no detail'}); nothing in it was attached, the next run sends it again`;
}

function metadataCost(d: PackItem): number {
  return Buffer.byteLength(d.fileName) + Buffer.byteLength(d.documentNumber) + d.entryIds.reduce((n, id) => n + id.length + 4, 0) + 80;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
