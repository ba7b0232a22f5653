// The stages overlap: an archive is packed and sent while later documents are still being
// checked, and a second archive uploads while Clearnox processes the first, never more than the
// contract's two imports at once.
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import type { DocumentStoreAdapter } from '../../adapters/types.js';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { ImportTimeoutError } from '../../src/clearnox/errors.js';
import { silentLogger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import type { LoadedMapping } from '../../src/mapping/schema.js';
import type { ClearnoxApi } from '../../src/pipeline/api.js';
import { runSync } from '../../src/pipeline/run.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { entry } from '../helpers/entries.js';
import { buildFixture, pdf, type Fixture } from '../helpers/fixture.js';

const adapters = builtinAdapters();
// Nine documents, four to an archive: three archives.
const IDS = Array.from({ length: 9 }, (_, i) => `ent_${i + 1}`);
let sandbox: SandboxHandle | undefined;
let fixture: Fixture | undefined;
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await sandbox?.close();
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
  sandbox = undefined;
  fixture = undefined;
});

async function setUp(processingDelayMs: number) {
  sandbox = await startSandbox({ entries: IDS.map((id, i) => entry(id, `FA-${i + 1}`)), processingDelayMs, pollRetryAfterSeconds: null });
  fixture = await buildFixture(
    IDS.map((_, i) => ({ number: `FA-${i + 1}`, pdf: `FA-${i + 1}.pdf`, content: pdf(`FA-${i + 1}`) })),
    { baseUrl: sandbox.url },
  );
  const loaded = await loadMapping(fixture.mappingPath, adapters);
  const sleep = () => new Promise<void>((resolve) => setTimeout(resolve, 5));
  const client = new ClearnoxClient({ baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', log: silentLogger, sleep });
  cleanup.push(() => client.close());
  return { loaded, client };
}

const attachCounts = () => Object.fromEntries(sandbox!.state().entries.map((e) => [e.id, e.attachCount]));
const allOnce = () => Object.fromEntries(IDS.map((id) => [id, 1]));

/** The same mapping with its store opened through `wrap`. */
function withStore(loaded: LoadedMapping, wrap: (adapter: DocumentStoreAdapter) => DocumentStoreAdapter): LoadedMapping {
  return { ...loaded, bound: { ...loaded.bound, documents: { ...loaded.bound.documents, adapter: wrap(loaded.bound.documents.adapter) } } };
}

/** The client, counting this run's imports in processing: at each upload, and the most at once. */
function countingImports(client: ClearnoxClient, before?: (id: string, o?: { timeoutMs?: number }) => void) {
  const counts = { now: 0, most: 0, atUpload: [] as number[] };
  const api: ClearnoxApi = {
    listMissingEntries: (f, o) => client.listMissingEntries(f, o),
    async uploadArchive(file, key, signal) {
      const accepted = await client.uploadArchive(file, key, signal);
      counts.atUpload.push(counts.now);
      counts.most = Math.max(counts.most, ++counts.now);
      return accepted;
    },
    async waitForImport(id, o) {
      before?.(id, o);
      try {
        return await client.waitForImport(id, o);
      } finally {
        counts.now--;
      }
    },
  };
  return { api, counts };
}

describe('stages that overlap', () => {
  it('sends the first archive before the last document is checked', async () => {
    const { loaded, client } = await setUp(10);
    // The last document's check waits for the first import: a run that checked every document
    // before packing any would never get there.
    const held = withStore(loaded, (adapter) => ({
      ...adapter,
      async open(options, ctx) {
        const store = await adapter.open(options, ctx);
        return {
          description: store.description,
          open: (p) => store.open(p),
          close: () => store.close(),
          async stat(p) {
            if (p === 'FA-9.pdf') await expect.poll(() => sandbox!.state().imports.length, { timeout: 20_000, interval: 10 }).toBeGreaterThan(0);
            return store.stat(p);
          },
        };
      },
    }));
    const report = await runSync({ loaded: held, api: client, log: silentLogger });
    expect(report.abort).toBeUndefined();
    expect(report.archives.map((a) => [a.index, a.documents, a.status])).toEqual([
      [1, 4, 'completed'],
      [2, 4, 'completed'],
      [3, 1, 'completed'],
    ]);
    expect(attachCounts()).toEqual(allOnce());
  });

  it('uploads an archive while Clearnox processes the one before, and never has more than two imports in processing', async () => {
    const { loaded, client } = await setUp(400);
    const { api, counts } = countingImports(client);
    const report = await runSync({ loaded, api, log: silentLogger });
    expect(report.abort).toBeUndefined();
    expect(report.archives.every((a) => a.status === 'completed')).toBe(true);
    expect(counts.most).toBe(2);
    // The second archive went while the first was processing (400 ms), the third after a place freed.
    expect(counts.atUpload.slice(0, 2)).toEqual([0, 1]);
    expect(attachCounts()).toEqual(allOnce());
    // The sandbox answers 429 to a third import at once: none was asked.
    expect(sandbox!.state().imports).toHaveLength(3);
  });

  it('keeps one place free for an earlier run whose import Clearnox still processes', async () => {
    const { loaded, client } = await setUp(400);
    const { RunState } = await import('../../src/pipeline/run-state.js');
    const path = await import('node:path');
    const stateDir = path.join(fixture!.dir, 'clearnox-sync-state');
    // An import of an earlier run, still processing when this run starts and past its wait.
    const earlier = await RunState.open(stateDir, loaded.file, silentLogger);
    // Of two entries, which Clearnox does not list any more: one import, one place.
    await earlier.sending({ idempotencyKey: 'earlier-key', runId: 'earlier', sentAt: new Date().toISOString(), entryIds: ['ent_gone_1', 'ent_gone_2'], entries: {}, archive: path.join(stateDir, 'none.zip') });
    await earlier.accepted('earlier-key', 'imp_never_ends');
    await earlier.close();
    const { api, counts } = countingImports(client, (id, o) => {
      if (id === 'imp_never_ends') throw new ImportTimeoutError(id, o?.timeoutMs ?? 0, 'processing');
    });
    const report = await runSync({ loaded, api, log: silentLogger });
    expect(report.abort).toBeUndefined();
    expect(counts.most).toBe(1);
    expect(attachCounts()).toEqual(allOnce());
    expect(report.archives).toHaveLength(3);
  });
});
