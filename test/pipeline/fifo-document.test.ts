// A document path that turns into a FIFO after it was checked must cost that document only: an
// open() that waits for a writer would hang the run in a thread no stop request can end.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import { localAdapter } from '../../adapters/documents/local.js';
import { DocumentError, type DocumentStore, type DocumentStoreAdapter } from '../../adapters/types.js';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { silentLogger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import { openPdf } from '../../src/pipeline/document-check.js';
import { runSync } from '../../src/pipeline/run.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { entry } from '../helpers/entries.js';
import { buildFixture, pdf } from '../helpers/fixture.js';

const mkfifo = (file: string) => execFileSync('mkfifo', [file]);

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

describe('a FIFO where a document was', () => {
  it('is refused by the local store at once, not waited on', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-fifo-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    mkfifo(path.join(dir, 'FA-1.pdf'));
    const store = await localAdapter.open({ root: dir }, { baseDir: dir, log: silentLogger });
    const e = await store.open('FA-1.pdf').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DocumentError);
    expect(e).toMatchObject({ kind: 'unreadable', message: expect.stringMatching(/"FA-1\.pdf" is not a regular file/) });
    const checked = await openPdf(store, 'FA-1.pdf', 1024 * 1024).catch((x: unknown) => x);
    expect(checked).toMatchObject({ kind: 'unreadable' });
  });

  it('swapped in between the check and the packing costs that document only; the run completes', async () => {
    const sandbox: SandboxHandle = await startSandbox({ entries: [entry('ent_1', 'FA-1'), entry('ent_2', 'FA-2')], processingDelayMs: 5, pollRetryAfterSeconds: null });
    cleanup.push(() => sandbox.close());
    const fixture = await buildFixture(
      [
        { number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') },
        { number: 'FA-2', pdf: 'FA-2.pdf', content: pdf('2') },
      ],
      { baseUrl: sandbox.url },
    );
    cleanup.push(() => rm(fixture.dir, { recursive: true, force: true }));
    const root = path.join(fixture.dir, 'pdfs');
    // The store as the run sees it, but FA-2.pdf becomes a FIFO right after it passed stat().
    const swapping: DocumentStoreAdapter = {
      ...localAdapter,
      async open(options, ctx) {
        const store = await localAdapter.open(options as never, ctx);
        const wrapped: DocumentStore = {
          description: store.description,
          async stat(p) {
            const info = await store.stat(p);
            if (p === 'FA-2.pdf') {
              await rm(path.join(root, 'FA-2.pdf'));
              mkfifo(path.join(root, 'FA-2.pdf'));
            }
            return info;
          },
          open: (p) => store.open(p),
          close: () => store.close(),
        };
        return wrapped;
      },
    };
    const builtin = builtinAdapters();
    const adapters = { ...builtin, stores: builtin.stores.map((s) => (s.type === 'local' ? swapping : s)) };
    const loaded = await loadMapping(fixture.mappingPath, adapters);
    const api = new ClearnoxClient({ baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', log: silentLogger });
    cleanup.push(() => api.close());

    const report = await runSync({ loaded, api, log: silentLogger });
    expect(report.abort).toBeUndefined();
    expect(report.entries.map((e) => [e.entryId, e.outcome, e.reasonCode])).toEqual([
      ['ent_1', 'attached', 'attached'],
      ['ent_2', 'error', 'unreadable'],
    ]);
    expect(report.entries[1]!.reason).toMatch(/"FA-2\.pdf" is not a regular file/);
    expect(exitCodeFor(report)).toBe(4);
    expect(sandbox.state().entries.find((e) => e.id === 'ent_1')!.attachCount).toBe(1);
  });
});

// The non-blocking open still reads a regular file whole.
it('a regular file is still read', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-fifo-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'FA-1.pdf'), pdf('1'));
  const store = await localAdapter.open({ root: dir }, { baseDir: dir, log: silentLogger });
  const stream = await openPdf(store, 'FA-1.pdf', 1024 * 1024);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  expect(Buffer.concat(chunks)).toEqual(pdf('1'));
});
