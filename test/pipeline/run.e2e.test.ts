// The whole `run` against SQLite + a folder + the sandbox, asserting through the sandbox's own
// state that each attachable entry was attached exactly once and nothing else.
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import type { Entry } from '../../src/clearnox/contract.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import type { ClearnoxApi } from '../../src/pipeline/api.js';
import { summaryText, writeReport, type RunReport } from '../../src/pipeline/report.js';
import { runSync } from '../../src/pipeline/run.js';
import { RunState } from '../../src/pipeline/run-state.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { entry } from '../helpers/entries.js';
import { FIXTURE_SECRET, buildFixture, pdf, type Fixture } from '../helpers/fixture.js';

const adapters = builtinAdapters();
let sandbox: SandboxHandle | undefined;
let fixture: Fixture | undefined;

afterEach(async () => {
  await sandbox?.close();
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
  sandbox = undefined;
  fixture = undefined;
});

const ENTRIES: Entry[] = [
  entry('ent_01', 'FA-1'),
  entry('ent_02', 'fa-1', { type: 'installment' }),
  entry('ent_03', 'FA 2'),
  entry('ent_04', 'FA-3'),
  entry('ent_05', 'OD-9'),
  entry('ent_06', 'FA-MISSING'),
  entry('ent_07', 'FA-HTML'),
  entry('ent_08', 'FA-DUP'),
  entry('ent_09', 'FA-EMPTY'),
  entry('ent_10', 'FA-OUT'),
  entry('ent_11', 'FA-NOPATH'),
  ...Array.from({ length: 10 }, (_, i) => entry(`ent_2${i}`, `FA-10${i}`)),
];

async function setUp(entries = ENTRIES, upload?: string, more: { processingDelayMs?: number; pollTimeoutSeconds?: number } = {}) {
  sandbox = await startSandbox({ entries, processingDelayMs: more.processingDelayMs ?? 10, pollRetryAfterSeconds: null });
  fixture = await buildFixture(
    [
      { number: 'FA-1', pdf: '2024\\01\\FA-1.pdf', content: pdf('FA-1') },
      { number: 'FA2', pdf: '2024/FA 2 été.pdf', content: pdf('FA-2') },
      { number: 'FA-3', pdf: 'FA-3.pdf', content: pdf('FA-3') },
      { number: 'FA-MISSING', pdf: 'nowhere/FA-MISSING.pdf' },
      { number: 'FA-HTML', pdf: 'FA-HTML.pdf', content: '<html>503 Service Unavailable</html>' },
      { number: 'FA-DUP', pdf: 'a/FA-DUP.pdf', content: pdf('a') },
      { number: 'FA-DUP', pdf: 'b/FA-DUP.pdf', content: pdf('b') },
      { number: 'FA-EMPTY', pdf: 'FA-EMPTY.pdf', content: '' },
      { number: 'FA-OUT', pdf: '..\\..\\Windows\\win.ini' },
      { number: 'FA-NOPATH', pdf: null },
      ...Array.from({ length: 10 }, (_, i) => ({ number: `FA-10${i}`, pdf: `bulk/FA-10${i}.pdf`, content: pdf(`FA-10${i}`) })),
    ],
    { baseUrl: sandbox.url, ...(upload ? { upload } : {}), ...(more.pollTimeoutSeconds ? { pollTimeoutSeconds: more.pollTimeoutSeconds } : {}) },
  );
  const loaded = await loadMapping(fixture.mappingPath, adapters);
  // Waits before a repeat are cut short: the waiting is the client's tests' business.
  const sleep = () => new Promise<void>((resolve) => setTimeout(resolve, 5));
  const api = new ClearnoxClient({ baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', log: silentLogger, sleep });
  return { loaded, api, sandbox, fixture };
}

const attachable = ['ent_01', 'ent_02', 'ent_03', 'ent_04', ...Array.from({ length: 10 }, (_, i) => `ent_2${i}`)];

function outcomes(report: { entries: { entryId: string; outcome: string }[] }): Record<string, string> {
  return Object.fromEntries(report.entries.map((e) => [e.entryId, e.outcome]));
}

describe('run against SQLite + folder + sandbox', () => {
  it('attaches every attachable entry exactly once, explains the others, and sends nothing the second time', async () => {
    const { loaded, api } = await setUp();
    const report = await runSync({ loaded, api, log: silentLogger });

    expect(report.abort).toBeUndefined();
    expect(report.status).toBe('completed_with_failures');
    expect(outcomes(report)).toEqual({
      ...Object.fromEntries(attachable.map((id) => [id, 'attached'])),
      ent_05: 'not_found',
      ent_06: 'file_missing',
      ent_07: 'invalid_document',
      ent_08: 'ambiguous',
      ent_09: 'invalid_document',
      ent_10: 'invalid_document',
      ent_11: 'file_missing',
    });
    const reasons = Object.fromEntries(report.entries.map((e) => [e.entryId, e.reasonCode]));
    expect(reasons).toMatchObject({ ent_06: 'file_not_found', ent_07: 'not_a_pdf', ent_09: 'empty_file', ent_10: 'outside_root', ent_11: 'no_path_in_row' });
    expect(report.counts).toMatchObject({
      missingEntries: 21,
      notFoundInSource: 1,
      ambiguous: 1,
      fileMissing: 2,
      invalidDocument: 3,
      entriesAttached: 14,
      uploadedArchives: 4, // 13 documents, 4 per archive
      errors: 0,
    });
    expect(exitCodeFor(report)).toBe(4);

    const state = sandbox!.state();
    const attached = state.entries.filter((e) => e.attached);
    expect(attached.map((e) => e.id).sort()).toEqual([...attachable].sort());
    expect(state.entries.every((e) => e.attachCount <= 1)).toBe(true);
    // Installments share one document, the same file in Clearnox.
    const byId = new Map(state.entries.map((e) => [e.id, e]));
    expect(byId.get('ent_01')!.attached!.sha256).toBe(byId.get('ent_02')!.attached!.sha256);
    expect(byId.get('ent_03')!.attached!.fileName).toBe('FA 2.pdf');

    const second = await runSync({ loaded, api, log: silentLogger });
    expect(second.counts.uploadedArchives).toBe(0);
    expect(second.counts.missingEntries).toBe(7);
    expect(sandbox!.state().entries.every((e) => e.attachCount <= 1)).toBe(true);
  });

  it('sends nothing in a dry run and tells what would be attached', async () => {
    const { loaded, api } = await setUp();
    const report = await runSync({ loaded, api, log: silentLogger, dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.counts.wouldAttach).toBe(14);
    expect(report.counts.uploadedArchives).toBe(0);
    expect(outcomes(report).ent_07).toBe('invalid_document');
    expect(sandbox!.state().entries.some((e) => e.attached)).toBe(false);
    expect(sandbox!.state().requests.imports).toBe(0);
  });

  it('reports a rejection per entry when someone attaches a document meanwhile', async () => {
    const { loaded, api } = await setUp();
    const racing: ClearnoxApi = {
      listMissingEntries: async (...args) => {
        const list = await api.listMissingEntries(...args);
        sandbox!.control.attachOutOfBand('ent_04');
        return list;
      },
      uploadArchive: (...args) => api.uploadArchive(...args),
      waitForImport: (...args) => api.waitForImport(...args),
    };
    const report = await runSync({ loaded, api: racing, log: silentLogger });
    expect(outcomes(report).ent_04).toBe('rejected:ENTRY_ALREADY_HAS_DOCUMENT');
    expect(report.counts.rejected).toEqual({ ENTRY_ALREADY_HAS_DOCUMENT: 1 });
    expect(outcomes(report).ent_01).toBe('attached');
  });

  it('loses nothing when an import fails or the API goes down mid-run: the next run sends the rest', async () => {
    const { loaded, api } = await setUp();
    sandbox!.control.failNextImport('INTERNAL');
    const first = await runSync({ loaded, api, log: silentLogger });
    expect(first.archives[0]!.status).toBe('failed');
    expect(first.status).toBe('completed_with_failures');
    const failedIds = first.entries.filter((e) => e.reasonCode === 'import_failed').map((e) => e.entryId);
    expect(failedIds.length).toBeGreaterThan(0);
    // The failed import attached nothing: "attached N (in M archives)" counts the three others only.
    expect(first.archives.filter((a) => a.importId)).toHaveLength(4);
    expect(first.counts.uploadedArchives).toBe(3);
    expect(summaryText(first)).toMatch(new RegExp(`attached +${attachable.length - failedIds.length} +\\(in 3 archives\\)`));

    sandbox!.control.failNext('imports', 503, 'UNAVAILABLE', 6);
    // Nothing left but the failed archive's entries: 503 past every repeat hits them, and the run stops.
    const second = await runSync({ loaded, api, log: silentLogger });
    expect(second.status).toBe('aborted');
    expect(exitCodeFor(second)).toBe(3);
    expect(second.entries.filter((e) => e.outcome === 'error').map((e) => e.entryId).sort()).toEqual([...failedIds].sort());

    // Whether Clearnox had the archive the 503s were about, nobody knows: the next run sends
    // that same archive again under its key before listing, and the entries are no longer missing.
    const imports = sandbox!.state().imports.length;
    const third = await runSync({ loaded, api, log: silentLogger });
    // No longer missing, they are this run's doing all the same: its report says so.
    expect(third.entries.filter((e) => failedIds.includes(e.entryId)).map((e) => [e.entryId, e.outcome, e.sentByEarlierRun]).sort()).toEqual(
      failedIds.map((id) => [id, 'attached', true]).sort(),
    );
    expect(third.entries.find((e) => e.entryId === failedIds[0])!.reason).toMatch(/^attached as .*\.pdf \(import imp_\w+: an earlier run's archive, sent again by this run\)$/);
    expect(third.counts).toMatchObject({ fromEarlierRuns: failedIds.length, entriesAttached: failedIds.length, earlierImports: 1, uploadedArchives: 0 });
    expect(third.archives).toEqual([]);
    expect(sandbox!.state().imports).toHaveLength(imports + 1);
    const state = sandbox!.state();
    expect(state.entries.filter((e) => e.attached).map((e) => e.id).sort()).toEqual([...attachable].sort());
    expect(state.entries.every((e) => e.attachCount <= 1)).toBe(true);
  });

  it('rides out a 503 and answers lost on the way back: everything attached once, in one run', async () => {
    const { loaded, api } = await setUp();
    sandbox!.control.failNext('entries', 503, 'UNAVAILABLE');
    sandbox!.control.loseNextAnswer('imports');
    sandbox!.control.loseNextAnswer('poll');
    const report = await runSync({ loaded, api, log: silentLogger });
    expect(report.status).toBe('completed_with_failures'); // the ERP's own problems, not the API's
    expect(report.abort).toBeUndefined();
    expect(report.entries.filter((e) => e.outcome === 'error')).toEqual([]);
    expect(report.counts.entriesAttached).toBe(attachable.length);
    const state = sandbox!.state();
    expect(state.entries.filter((e) => e.attached).map((e) => e.id).sort()).toEqual([...attachable].sort());
    expect(state.entries.every((e) => e.attachCount <= 1)).toBe(true);
    expect(state.imports).toHaveLength(report.archives.length);
  });

  it('tells each entry the same way in the JSON report, on the console and in the log', async () => {
    const { loaded, api, fixture: f } = await setUp();
    // The first archive's import fails and someone attaches an entry meanwhile: every outcome a run that sends can give.
    sandbox!.control.failNextImport('INVALID_METADATA');
    const racing: ClearnoxApi = {
      listMissingEntries: async (...args) => {
        const list = await api.listMissingEntries(...args);
        sandbox!.control.attachOutOfBand('ent_25');
        return list;
      },
      uploadArchive: (...args) => api.uploadArchive(...args),
      waitForImport: (...args) => api.waitForImport(...args),
    };
    const logFile = path.join(f.dir, 'run.log');
    const console: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => console.push(String(chunk)) > 0);
    let report: RunReport;
    try {
      report = await runSync({ loaded, api: racing, log: createLogger({ file: logFile }) });
    } finally {
      spy.mockRestore();
    }
    const reportFile = path.join(f.dir, 'report.json');
    await writeReport(reportFile, report);
    const json = JSON.parse(await readFile(reportFile, 'utf8')) as RunReport;
    expect(new Set(json.entries.map((e) => e.outcome))).toEqual(
      new Set(['attached', 'not_found', 'file_missing', 'invalid_document', 'ambiguous', 'rejected:ENTRY_ALREADY_HAS_DOCUMENT', 'error']),
    );
    const records = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown> & { msg: string });
    const said = (line: string) => records.some((r) => r.msg === line);
    for (const row of json.entries.filter((e) => e.outcome !== 'attached')) {
      const line = `${row.documentNumber} (${row.entryId}): ${row.outcome}: ${row.reason}`;
      const told = records.filter((r) => r.entryId === row.entryId);
      expect(told, line).toHaveLength(1);
      expect(told[0]).toMatchObject({ ...row, msg: line });
      // Entries not in the ERP are normal: in the log file, not on the console.
      if (row.outcome !== 'not_found') expect(console, line).toContain(`WARN: ${line}\n`);
    }
    const summary = summaryText(json).split('\n');
    const problems = summary.slice(summary.indexOf('First problems:') + 1);
    expect(problems.at(-1)).toMatch(/^  \.\.\. and \d+ more in the report and the log\.$/);
    for (const line of problems.slice(0, -1)) expect(said(line.slice(2)), line).toBe(true);
    // The archive whose import failed is told with its entries' own reason.
    const failed = json.entries.find((e) => e.reasonCode === 'import_failed')!;
    expect(failed.reason).toMatch(/^Clearnox could not import the archive \(INVALID_METADATA: /);
    expect(said(`Archive 1 (import ${failed.importId}): ${failed.reason}.`)).toBe(true);
    // FA-HTML passed the first check and was found not to be a PDF while packing: counted apart.
    expect(said('14 documents to send in 4 archives.')).toBe(true);
    expect(said('1 of the 14 documents was found invalid or unreadable while packing and left out; 13 went into 4 archives.')).toBe(true);
  });

  it('does not send again what an earlier run saw accepted but not finished; waits for it instead', async () => {
    // One archive whose processing outlasts the run's patience (pollTimeoutSeconds: 1).
    const { loaded, api } = await setUp(ENTRIES.slice(0, 4), undefined, { processingDelayMs: 2500, pollTimeoutSeconds: 1 });
    const first = await runSync({ loaded, api, log: silentLogger });
    expect(first.archives).toHaveLength(1);
    const importId = first.archives[0]!.importId!;
    expect(first.entries.filter((e) => e.importId === importId).map((e) => e.outcome)).toEqual(['error', 'error', 'error', 'error']);

    // Still processing when the next run starts: its entries are held back, nothing is sent.
    const second = await runSync({ loaded, api, log: silentLogger });
    expect(second.archives).toEqual([]);
    expect(second.entries.map((e) => [e.entryId, e.reasonCode, e.importId])).toEqual(['ent_01', 'ent_02', 'ent_03', 'ent_04'].map((id) => [id, 'import_pending', importId]));
    expect(sandbox!.state().imports).toHaveLength(1);

    // Once it has completed, the next run sees its entries attached and has nothing to send.
    await expect.poll(() => sandbox!.state().imports[0]!.status, { timeout: 5000 }).toBe('completed');
    const third = await runSync({ loaded, api, log: silentLogger });
    expect(third.entries.map((e) => [e.entryId, e.outcome, e.importId, e.sentByEarlierRun])).toEqual(
      ['ent_01', 'ent_02', 'ent_03', 'ent_04'].map((id) => [id, 'attached', importId, true]),
    );
    expect(third.entries[0]!.reason).toBe(`attached as FA-1.pdf (import ${importId}: an earlier run's import, waited for by this run)`);
    // Named as the first run listed them, although Clearnox no longer lists them.
    expect(third.entries.map((e) => [e.documentNumber, e.companyCode, e.type])).toEqual(
      ENTRIES.slice(0, 4).map((e) => [e.documentNumber, e.companyCode ?? null, e.type]),
    );
    expect(third.counts).toMatchObject({ missingEntries: 4, fromEarlierRuns: 4, matched: 4, entriesAttached: 4, uploadedArchives: 0, earlierImports: 1 });
    expect(summaryText(third)).toMatch(/^Run completed: 4 entries without a document, all of them an earlier run had sent, whose import this run saw complete\.\n  attached +4 +\(in 0 archives, and 1 import of earlier runs\)/);
    expect(third.status).toBe('completed');
    const state = sandbox!.state();
    expect(state.imports).toHaveLength(1);
    expect(state.entries.filter((e) => e.attachCount === 1).map((e) => e.id)).toEqual(['ent_01', 'ent_02', 'ent_03', 'ent_04']);
    expect(JSON.parse(await readFile(path.join(fixture!.dir, 'clearnox-sync-state', 'mapping.yaml.imports.json'), 'utf8')).pending).toEqual([]);
  });

  it('sends an archive whose answer never came again under its own key: Clearnox answers with the first import', async () => {
    // Processing outlasts the first run: without the same key, the second would send a new archive.
    const { loaded, api, fixture: f } = await setUp(ENTRIES.slice(0, 4), undefined, { processingDelayMs: 1500 });
    // Every answer to the upload is lost, the repeats' too: the run stops not knowing.
    sandbox!.control.loseNextAnswer('imports', 6);
    const first = await runSync({ loaded, api, log: silentLogger });
    expect(first.abort?.kind).toBe('unreachable');
    expect(sandbox!.state().imports).toHaveLength(1); // the first attempt did reach it
    const kept = path.join(f.dir, 'clearnox-sync-state', 'mapping.yaml.archives');
    expect(await readdir(kept)).toHaveLength(1);

    const second = await runSync({ loaded, api, log: silentLogger });
    expect(second.abort).toBeUndefined();
    expect(second.entries.map((e) => [e.entryId, e.outcome, e.reasonCode])).toEqual(['ent_01', 'ent_02', 'ent_03', 'ent_04'].map((id) => [id, 'attached', 'attached']));
    expect(second.entries.every((e) => /an earlier run's archive, sent again by this run/.test(e.reason))).toBe(true);
    expect(second.counts).toMatchObject({ entriesAttached: 4, fromEarlierRuns: 4, earlierImports: 1 });
    const state = sandbox!.state();
    expect(state.imports).toHaveLength(1);
    expect(state.entries.filter((e) => e.attachCount === 1).map((e) => e.id)).toEqual(['ent_01', 'ent_02', 'ent_03', 'ent_04']);
    expect(await readdir(kept)).toEqual([]);
  });

  it('lets one run of a mapping file in at a time; a dry run is never held back', async () => {
    const { loaded, api, fixture: f } = await setUp();
    const other = await RunState.open(path.join(f.dir, 'clearnox-sync-state'), loaded.file, silentLogger);
    try {
      const busy = await runSync({ loaded, api, log: silentLogger });
      expect(busy.abort).toMatchObject({ kind: 'busy', stage: 'taking the lock of this mapping file' });
      expect(busy.abort!.message).toMatch(/another run with this mapping file is in progress/);
      expect(exitCodeFor(busy)).toBe(3);
      expect(sandbox!.state().requests.tokens).toBe(0);
      const dry = await runSync({ loaded, api, log: silentLogger, dryRun: true });
      expect(dry.abort).toBeUndefined();
    } finally {
      await other.close();
    }
    const after = await runSync({ loaded, api, log: silentLogger });
    expect(after.counts.entriesAttached).toBe(attachable.length);
  });

  it('aborts with the right kind when Clearnox is unreachable or refuses the credentials', async () => {
    const { loaded } = await setUp();
    const refused = new ClearnoxClient({ baseUrl: sandbox!.url, clientId: 'sandbox-client', clientSecret: 'wrong-secret-123', log: silentLogger });
    const r1 = await runSync({ loaded, api: refused, log: silentLogger });
    expect(r1.abort?.kind).toBe('credentials');
    expect(exitCodeFor(r1)).toBe(5);
    expect(JSON.stringify(r1)).not.toContain('wrong-secret-123');

    const url = sandbox!.url;
    await sandbox!.close();
    sandbox = undefined;
    const down = new ClearnoxClient({ baseUrl: url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', log: silentLogger, retries: 1 });
    const r2 = await runSync({ loaded, api: down, log: silentLogger });
    expect(r2.abort?.kind).toBe('unreachable');
    expect(r2.entries).toEqual([]);
    // Nothing was listed: no count to show as if it were a result, and what stopped it comes first.
    expect(r2.listed).toBe(false);
    const summary = summaryText(r2);
    expect(summary.split('\n').slice(0, 3)).toEqual([
      'Run ABORTED while listing the missing entries in Clearnox:',
      `  ${r2.abort!.message}`,
      "Clearnox's list of entries without a document was not read, so no document was looked up or sent for it.",
    ]);
    expect(summary).not.toMatch(/0 entries|attached|not in the ERP/);
  });

  it('keeps the secret out of the report and the log file', async () => {
    const { loaded, api, fixture: f } = await setUp();
    const logFile = path.join(f.dir, 'run.log');
    const log = createLogger({ console: false, file: logFile });
    const report = await runSync({ loaded, api, log });
    log.info({ secretEcho: FIXTURE_SECRET }, `secret is ${FIXTURE_SECRET}`);
    const reportFile = path.join(f.dir, 'report.json');
    await writeReport(reportFile, { ...report, mappingFile: FIXTURE_SECRET });
    await new Promise((r) => setTimeout(r, 50));
    const written = (await readFile(logFile, 'utf8')) + (await readFile(reportFile, 'utf8'));
    expect(written).toContain('***');
    expect(written).not.toContain(FIXTURE_SECRET);
  });
});
