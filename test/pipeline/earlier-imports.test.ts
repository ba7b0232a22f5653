// What a run does with each import an earlier run saw accepted but not finished.
import { describe, expect, it } from 'vitest';
import type { Import } from '../../src/clearnox/contract.js';
import { ImportTimeoutError, NetworkError, NotFoundError } from '../../src/clearnox/errors.js';
import { silentLogger } from '../../src/log.js';
import { settleEarlierImports } from '../../src/pipeline/earlier-imports.js';
import type { PendingImport } from '../../src/pipeline/run-state.js';

const NOW = Date.parse('2026-11-25T02:30:00Z');
const earlier = (importId: string, entryIds: string[], hoursAgo = 1): PendingImport => ({
  importId, idempotencyKey: `k-${importId}`, runId: 'r0', sentAt: new Date(NOW - hoursAgo * 3600_000).toISOString(), entryIds,
});

function fixture(pending: PendingImport[], answers: Record<string, Import | Error>) {
  const settled: string[] = [];
  const warnings: string[] = [];
  const state = { pending, settled: async (id: string) => void settled.push(id) };
  const api = {
    waitForImport: async (id: string): Promise<Import> => {
      const a = answers[id]!;
      if (a instanceof Error) throw a;
      return a;
    },
  };
  const log = { ...silentLogger, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') } as typeof silentLogger;
  return { run: () => settleEarlierImports(state, api, 1000, log, undefined, () => NOW), settled, warnings };
}

describe('settleEarlierImports', () => {
  it('forgets finished imports, holds back the entries of one still processing, and gives up on one a day old', async () => {
    const f = fixture(
      [earlier('imp_done', ['e1']), earlier('imp_failed', ['e2']), earlier('imp_slow', ['e3', 'e4']), earlier('imp_stuck', ['e5'], 30), earlier('imp_gone', ['e6'])],
      {
        imp_done: { importId: 'imp_done', status: 'completed', documents: [{ fileName: 'a.pdf', status: 'attached', entryIds: ['e1'] }] } as Import,
        imp_failed: { importId: 'imp_failed', status: 'failed', error: { code: 'INTERNAL', message: 'm' } } as Import,
        imp_slow: new ImportTimeoutError('imp_slow', 1000, 'processing'),
        imp_stuck: new ImportTimeoutError('imp_stuck', 1000, 'processing'),
        imp_gone: new NotFoundError({ status: 404, code: 'NOT_FOUND', serverMessage: '', operation: 'import' }),
      },
    );
    const held = await f.run();
    expect([...held.keys()]).toEqual(['e3', 'e4']);
    expect(held.get('e3')!.importId).toBe('imp_slow');
    expect(f.settled).toEqual(['imp_done', 'imp_failed', 'imp_stuck', 'imp_gone']);
    expect(f.warnings.join('\n')).toMatch(/imp_failed.*failed \(INTERNAL\): its entries are sent again/);
    expect(f.warnings.join('\n')).toMatch(/imp_stuck.*still processing a day later: its entries are sent again/);
    expect(f.warnings.join('\n')).toMatch(/imp_gone.*unknown to Clearnox/);
  });

  it('lets a network failure stop the run, keeping the import for the next one', async () => {
    const f = fixture([earlier('imp_1', ['e1'])], { imp_1: new NetworkError('refused', 'api', 'import', 'ECONNREFUSED') });
    await expect(f.run()).rejects.toThrow(NetworkError);
    expect(f.settled).toEqual([]);
  });
});
