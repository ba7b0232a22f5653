// What a run tells a live display: each stage starts, counts what it did and ends at its total,
// and the bytes told as sent are the archives' own.
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { silentLogger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import type { ProgressEvent, ProgressStage } from '../../src/pipeline/progress.js';
import { runSync } from '../../src/pipeline/run.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { entry } from '../helpers/entries.js';
import { buildFixture, pdf, type Fixture } from '../helpers/fixture.js';

let sandbox: SandboxHandle | undefined;
let fixture: Fixture | undefined;

afterEach(async () => {
  await sandbox?.close();
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
});

async function runWithProgress(dryRun: boolean): Promise<{ events: ProgressEvent[]; archiveBytes: number }> {
  const numbers = Array.from({ length: 9 }, (_, i) => `FA-${i + 1}`);
  sandbox = await startSandbox({ entries: numbers.map((n, i) => entry(`ent_${i + 1}`, n)), processingDelayMs: 5, pollRetryAfterSeconds: null });
  fixture = await buildFixture(
    // FA-9 is in the ERP, its file is not: checked, neither packed nor sent.
    numbers.map((n) => ({ number: n, pdf: `${n}.pdf`, ...(n === 'FA-9' ? {} : { content: pdf(n) }) })),
    { baseUrl: sandbox.url },
  );
  const loaded = await loadMapping(fixture.mappingPath, builtinAdapters());
  const api = new ClearnoxClient({ baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', log: silentLogger });
  const events: ProgressEvent[] = [];
  try {
    const report = await runSync({ loaded, api, log: silentLogger, dryRun, progress: (e) => events.push(e) });
    return { events, archiveBytes: report.archives.reduce((n, a) => n + a.bytes, 0) };
  } finally {
    await api.close();
  }
}

const of = (events: ProgressEvent[], stage: ProgressStage) => events.filter((e) => e.stage === stage);
const itemsDone = (events: ProgressEvent[]) => events.reduce((n, e) => n + (e.type === 'done' ? e.items : 0), 0);
const bytesDone = (events: ProgressEvent[]) => events.reduce((n, e) => n + (e.type === 'done' ? (e.bytes ?? 0) : 0), 0);

describe('progress events of a run', () => {
  it('tell the look-up, the check, the packing and the upload, from their start to their total', async () => {
    const { events, archiveBytes } = await runWithProgress(false);
    const lookup = of(events, 'lookup');
    expect(lookup[0]).toEqual({ type: 'start', stage: 'lookup' });
    expect(lookup.at(-1)).toEqual({ type: 'at', stage: 'lookup', done: 9, total: 9 });

    const check = of(events, 'check');
    expect(check[0]).toEqual({ type: 'start', stage: 'check', total: 9 });
    expect(itemsDone(check)).toBe(9);

    // 8 documents of 4 per archive (the fixture's maxDocumentsPerArchive): 2 archives.
    const pack = of(events, 'pack');
    expect(pack[0]).toEqual({ type: 'start', stage: 'pack' });
    expect(pack).toContainEqual({ type: 'total', stage: 'pack', total: 8 });
    expect(itemsDone(pack)).toBe(8);
    expect(bytesDone(pack)).toBe(archiveBytes);

    const upload = of(events, 'upload');
    // Started by the first upload, which may come after the total when the run is small.
    const started = upload.findIndex((e) => e.type === 'start');
    expect(started).toBeGreaterThanOrEqual(0);
    expect(started).toBeLessThan(upload.findIndex((e) => e.type === 'done'));
    expect(upload).toContainEqual({ type: 'total', stage: 'upload', total: 8 });
    expect(itemsDone(upload)).toBe(8);
    expect(bytesDone(upload)).toBe(archiveBytes);
    expect(archiveBytes).toBeGreaterThan(0);
  });

  it('in a dry run, stop after the check', async () => {
    const { events } = await runWithProgress(true);
    expect(new Set(events.map((e) => e.stage))).toEqual(new Set(['lookup', 'check']));
    expect(itemsDone(of(events, 'check'))).toBe(9);
  });
});
