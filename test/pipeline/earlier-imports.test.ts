// What a run does with each archive or import an earlier run did not see to its end.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Import } from '../../src/clearnox/contract.js';
import { ImportTimeoutError, InvalidRequestError, NetworkError, NotFoundError } from '../../src/clearnox/errors.js';
import { silentLogger } from '../../src/log.js';
import { earlierRows, settleEarlierImports, type FinishedImport } from '../../src/pipeline/earlier-imports.js';
import { RunBusyError, type PendingImport } from '../../src/pipeline/run-state.js';

const NOW = Date.parse('2026-11-25T02:30:00Z');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-earlier-'));
  await writeFile(path.join(dir, 'kept.zip'), 'zip');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const sent = (name: string, entryIds: string[], more: Partial<PendingImport> = {}, hoursAgo = 1): PendingImport => ({
  idempotencyKey: `k-${name}`, runId: 'r0', sentAt: new Date(NOW - hoursAgo * 3600_000).toISOString(), entryIds, ...more,
});
const done = (importId: string): Import => ({ importId, status: 'completed', documents: [{ fileName: 'a.pdf', status: 'attached', entryIds: ['e'] }] }) as Import;

function fixture(pending: PendingImport[], answers: Record<string, Import | Error>, uploads: Record<string, string | Error> = {}, lockLost = false) {
  const settled: string[] = [];
  const accepted: string[] = [];
  const uploaded: Array<[string, string]> = [];
  const warnings: string[] = [];
  const finished: FinishedImport[] = [];
  const state = {
    pending,
    settled: async (key: string) => void settled.push(key),
    accepted: async (key: string, importId: string) => void accepted.push(`${key}=${importId}`),
    assertHeld: async () => {
      if (lockLost) throw new RunBusyError('this run no longer holds the lock');
    },
  };
  const api = {
    uploadArchive: async (file: string, key: string) => {
      uploaded.push([path.basename(file), key]);
      const a = uploads[key]!;
      if (a instanceof Error) throw a;
      return { importId: a, status: 'processing' };
    },
    waitForImport: async (id: string): Promise<Import> => {
      const a = answers[id]!;
      if (a instanceof Error) throw a;
      return a;
    },
  };
  const log = { ...silentLogger, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') } as typeof silentLogger;
  return {
    run: () => settleEarlierImports(state, api, log, { timeoutMs: 1000, now: () => NOW, onFinished: (f) => void finished.push(f) }),
    settled,
    accepted,
    uploaded,
    warnings,
    finished,
  };
}

describe('settleEarlierImports', () => {
  it('forgets finished imports, holds back the entries of one still processing, and gives up on one a day old', async () => {
    const f = fixture(
      [
        sent('done', ['e1'], { importId: 'imp_done' }),
        sent('failed', ['e2'], { importId: 'imp_failed' }),
        sent('slow', ['e3', 'e4'], { importId: 'imp_slow' }),
        sent('stuck', ['e5'], { importId: 'imp_stuck' }, 30),
        sent('gone', ['e6'], { importId: 'imp_gone' }),
      ],
      {
        imp_done: done('imp_done'),
        imp_failed: { importId: 'imp_failed', status: 'failed', error: { code: 'INTERNAL', message: 'm' } } as Import,
        imp_slow: new ImportTimeoutError('imp_slow', 1000, 'processing'),
        imp_stuck: new ImportTimeoutError('imp_stuck', 1000, 'processing'),
        imp_gone: new NotFoundError({ status: 404, code: 'NOT_FOUND', serverMessage: '', operation: 'import' }),
      },
    );
    const held = await f.run();
    expect([...held.keys()]).toEqual(['e3', 'e4']);
    expect(held.get('e3')!.importId).toBe('imp_slow');
    expect(f.settled).toEqual(['k-done', 'k-failed', 'k-stuck', 'k-gone']);
    expect(f.uploaded).toEqual([]);
    expect(f.warnings.join('\n')).toMatch(/imp_failed.*failed \(INTERNAL\): its entries are sent again/);
    expect(f.warnings.join('\n')).toMatch(/imp_stuck.*still processing a day later: its entries are sent again/);
    expect(f.warnings.join('\n')).toMatch(/imp_gone.*unknown to Clearnox/);
  });

  it('sends an archive that got no answer again with its own key, then waits for the import', async () => {
    const kept = path.join(dir, 'kept.zip');
    const f = fixture(
      [
        sent('unanswered', ['e1'], { archive: kept }),
        sent('no-file', ['e2'], { archive: path.join(dir, 'gone.zip') }),
        sent('too-old', ['e3'], { archive: kept }, 30),
        sent('refused', ['e4'], { archive: kept }),
      ],
      { imp_first: done('imp_first') },
      { 'k-unanswered': 'imp_first', 'k-refused': new InvalidRequestError({ status: 400, code: 'INVALID_ARCHIVE', serverMessage: '', operation: 'upload' }) },
    );
    expect(await f.run()).toEqual(new Map());
    expect(f.uploaded).toEqual([['kept.zip', 'k-unanswered'], ['kept.zip', 'k-refused']]);
    expect(f.accepted).toEqual(['k-unanswered=imp_first']);
    expect(f.settled).toEqual(['k-unanswered', 'k-no-file', 'k-too-old', 'k-refused']);
    expect(f.warnings.join('\n')).toMatch(/sent on .* without an answer, cannot be sent again as it was \(the archive is gone\)/);
    expect(f.warnings.join('\n')).toMatch(/cannot be sent again as it was \(over a day ago\)/);
  });

  it('sends no earlier archive again once another run took the lock', async () => {
    const f = fixture([sent('unanswered', ['e1'], { archive: path.join(dir, 'kept.zip') })], {}, { 'k-unanswered': 'imp_first' }, true);
    await expect(f.run()).rejects.toBeInstanceOf(RunBusyError);
    expect(f.uploaded).toEqual([]);
  });

  it('lets a network failure stop the run, keeping what it could not settle for the next one', async () => {
    const f = fixture([sent('one', ['e1'], { importId: 'imp_1' })], { imp_1: new NetworkError('refused', 'api', 'import', 'ECONNREFUSED') });
    await expect(f.run()).rejects.toThrow(NetworkError);
    expect(f.settled).toEqual([]);
    const g = fixture([sent('two', ['e2'], { archive: path.join(dir, 'kept.zip') })], {}, { 'k-two': new NetworkError('reset', 'api', 'upload', 'ECONNRESET') });
    await expect(g.run()).rejects.toThrow(NetworkError);
    expect(g.settled).toEqual([]);
  });

  it('tells of each completed import as soon as it is seen, even when a later one stops the run', async () => {
    const kept = path.join(dir, 'kept.zip');
    const f = fixture(
      [sent('waited', ['e1'], { importId: 'imp_w' }), sent('resent', ['e2'], { archive: kept }), sent('failed', ['e3'], { importId: 'imp_f' }), sent('cut', ['e4'], { importId: 'imp_cut' })],
      {
        imp_w: done('imp_w'),
        imp_r: done('imp_r'),
        imp_f: { importId: 'imp_f', status: 'failed', error: { code: 'INTERNAL', message: 'm' } } as Import,
        imp_cut: new NetworkError('reset', 'api', 'import', 'ECONNRESET'),
      },
      { 'k-resent': 'imp_r' },
    );
    await expect(f.run()).rejects.toThrow(NetworkError);
    // A failed import attached nothing: its entries are still missing and this run's to send.
    expect(f.finished.map((x) => [x.importId, x.resent])).toEqual([['imp_w', false], ['imp_r', true]]);
  });
});

describe('earlierRows', () => {
  const finished: FinishedImport[] = [
    {
      importId: 'imp_w',
      resent: false,
      documents: [
        { fileName: 'FA-1.pdf', status: 'attached', entryIds: ['e1', 'e2'] },
        { fileName: 'FA-2.pdf', status: 'rejected', entryIds: ['e3'], error: { code: 'ENTRY_ALREADY_HAS_DOCUMENT', message: 'entry e3 already has a document' } },
        { fileName: 'FA-3.pdf', status: 'rejected', entryIds: ['e4'], error: { code: 'INVALID_PDF', message: 'not a PDF' } },
      ],
    },
    { importId: 'imp_r', resent: true, documents: [{ fileName: 'FA-5.pdf', status: 'attached', entryIds: ['e5'] }] },
  ];

  it('gives one row per entry of each document, saying which import and how this run saw it', () => {
    // e4 is still missing (listed): this run handles it, and its own row tells how.
    expect(earlierRows(finished, new Set(['e4', 'e9']))).toEqual([
      { entryId: 'e1', outcome: 'attached', reasonCode: 'attached', reason: "attached as FA-1.pdf (import imp_w: an earlier run's import, waited for by this run)", fileName: 'FA-1.pdf', importId: 'imp_w', sentByEarlierRun: true },
      { entryId: 'e2', outcome: 'attached', reasonCode: 'attached', reason: "attached as FA-1.pdf (import imp_w: an earlier run's import, waited for by this run)", fileName: 'FA-1.pdf', importId: 'imp_w', sentByEarlierRun: true },
      {
        entryId: 'e3',
        outcome: 'rejected:ENTRY_ALREADY_HAS_DOCUMENT',
        reasonCode: 'rejected_by_clearnox',
        reason: "Clearnox refused the document: entry e3 already has a document (import imp_w: an earlier run's import, waited for by this run)",
        fileName: 'FA-2.pdf',
        importId: 'imp_w',
        sentByEarlierRun: true,
      },
      { entryId: 'e5', outcome: 'attached', reasonCode: 'attached', reason: "attached as FA-5.pdf (import imp_r: an earlier run's archive, sent again by this run)", fileName: 'FA-5.pdf', importId: 'imp_r', sentByEarlierRun: true },
    ]);
  });

  it("names each entry as the run that sent it listed it, when its state file kept that", () => {
    const kept: FinishedImport = { ...finished[1]!, entries: { e5: { documentNumber: 'FA 5', companyCode: 'ACME', type: 'invoice' } } };
    expect(earlierRows([kept], new Set())).toEqual([
      expect.objectContaining({ entryId: 'e5', documentNumber: 'FA 5', companyCode: 'ACME', type: 'invoice', outcome: 'attached', importId: 'imp_r' }),
    ]);
  });
});
