// Numbers the ERP knows but says must not be sent (source.withheldColumn): a run against SQLite,
// a folder and the sandbox reports them with the ERP's words, sends none of them, and counts them
// neither as "not in the ERP" nor as a problem.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import type { Entry } from '../../src/clearnox/contract.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { silentLogger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import { MatchSectionSchema } from '../../src/mapping/schema.js';
import { groupEntries } from '../../src/match/groups.js';
import { makeNormaliser } from '../../src/match/normalise.js';
import { candidatesOf } from '../../src/pipeline/candidates.js';
import { OutcomeLedger } from '../../src/pipeline/ledger.js';
import { SourceMatches } from '../../src/pipeline/lookup.js';
import { summaryText } from '../../src/pipeline/report.js';
import { runSync } from '../../src/pipeline/run.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { entry } from '../helpers/entries.js';
import { buildFixture, pdf, type Fixture } from '../helpers/fixture.js';

let sandbox: SandboxHandle | undefined;
let fixture: Fixture | undefined;

afterEach(async () => {
  await sandbox?.close();
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
  sandbox = undefined;
  fixture = undefined;
});

const ENTRIES: Entry[] = [
  entry('ent_sent', 'FA-1'),
  entry('ent_cancelled', 'FA-2'),
  entry('ent_draft', 'FA-3'),
  entry('ent_both', 'FA-4'),
  entry('ent_reissued', 'FA-5'),
  entry('ent_manual', 'OD-9'),
];

/** number, path, the ERP's reason to withhold it (null: to send); every path has its PDF. */
const ROWS: [string, string | null, string | null][] = [
  ['FA-1', 'FA-1.pdf', null],
  ['FA-2', 'FA-2.pdf', 'cancelled (docstatus 2)'],
  ['FA-3', null, 'draft (docstatus 0)'],
  ['FA-4', 'FA-4-old.pdf', 'cancelled (docstatus 2)'],
  ['FA-4', 'FA-4.pdf', 'draft (docstatus 0)'],
  // A number with a row to send besides a withheld one is sent from that row.
  ['FA-5', 'FA-5-cancelled.pdf', 'cancelled (docstatus 2)'],
  ['FA-5', 'FA-5.pdf', ''],
];

async function setUp() {
  sandbox = await startSandbox({ entries: ENTRIES, processingDelayMs: 5, pollRetryAfterSeconds: null });
  fixture = await buildFixture(
    ROWS.map(([number, file]) => ({ number, pdf: file, ...(file ? { content: pdf(file) } : {}) })),
    { baseUrl: sandbox.url },
  );
  const db = await openSqlite(path.join(fixture.dir, 'erp.sqlite'));
  db.exec('ALTER TABLE invoices ADD COLUMN why TEXT');
  const update = db.prepare('UPDATE invoices SET why = ? WHERE number = ? AND pdf IS ?');
  for (const [number, file, why] of ROWS) update.run(why, number, file);
  db.close();
  const text = (await readFile(fixture.mappingPath, 'utf8')).replace(
    /^  query: .*$/m,
    '  query: SELECT number AS documentNumber, pdf AS path, why AS withheld FROM invoices WHERE number IN (:documentNumbers)\n  withheldColumn: withheld',
  );
  await writeFile(fixture.mappingPath, text);
  const loaded = await loadMapping(fixture.mappingPath, builtinAdapters());
  const api = new ClearnoxClient({ baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', log: silentLogger });
  return { loaded, api };
}

describe('a run with withheld rows', () => {
  it('reports them with the ERP\'s reason, sends none of them, and completes with exit code 0', async () => {
    const { loaded, api } = await setUp();
    const report = await runSync({ loaded, api, log: silentLogger });

    const rows = Object.fromEntries(report.entries.map((e) => [e.entryId, e]));
    expect(rows['ent_sent']).toMatchObject({ outcome: 'attached' });
    expect(rows['ent_reissued']).toMatchObject({ outcome: 'attached', path: 'FA-5.pdf' });
    expect(rows['ent_manual']).toMatchObject({ outcome: 'not_found' });
    expect(rows['ent_cancelled']).toMatchObject({ outcome: 'withheld', reasonCode: 'withheld_by_erp', reason: 'the ERP says: cancelled (docstatus 2); not sent' });
    expect(rows['ent_draft']).toMatchObject({ outcome: 'withheld', reasonCode: 'withheld_by_erp', reason: 'the ERP says: draft (docstatus 0); not sent' });
    expect(rows['ent_both']).toMatchObject({ outcome: 'withheld', reason: 'the ERP says: cancelled (docstatus 2); draft (docstatus 0); not sent' });
    expect(rows['ent_cancelled']!.path).toBeUndefined();

    const attached = sandbox!.state().entries.filter((e) => e.attached).map((e) => e.id);
    expect(attached.sort()).toEqual(['ent_reissued', 'ent_sent']);

    const c = report.counts;
    expect(c).toMatchObject({ missingEntries: 6, withheld: 3, notFoundInSource: 1, matched: 2, entriesAttached: 2, ambiguous: 0, errors: 0 });
    expect(c.notFoundInSource + c.withheld + c.ambiguous + c.matched + c.notHandled).toBe(c.missingEntries);
    expect(report.status).toBe('completed');
    expect(exitCodeFor(report)).toBe(0);

    const summary = summaryText(report);
    expect(summary).toContain('  withheld by the ERP 3  (cancelled or draft in the ERP: not sent)');
    expect(summary).toContain('  not in the ERP      1');
    expect(summary).not.toContain('First problems');
  });

  it('a query without the column named by withheldColumn stops the run as a mapping-file problem', async () => {
    const { api } = await setUp();
    const text = (await readFile(fixture!.mappingPath, 'utf8')).replace(', why AS withheld', '');
    await writeFile(fixture!.mappingPath, text);
    const loaded = await loadMapping(fixture!.mappingPath, builtinAdapters());
    const report = await runSync({ loaded, api, log: silentLogger, dryRun: true });
    expect(report.abort?.kind).toBe('config');
    expect(report.abort?.message).toContain('source.withheldColumn is "withheld", but the query returns no such column');
  });
});

describe('candidatesOf with documents.index', () => {
  it('withholds a number the ERP withholds before looking for its file name', () => {
    const normalise = makeNormaliser(MatchSectionSchema.parse({}));
    const groups = groupEntries([entry('e1', 'FA-1'), entry('e2', 'FA-2')], normalise);
    const found = new SourceMatches();
    found.add('FA-1', null, 'cancelled in ERPNext');
    found.add('FA-2', null);
    const ledger = new OutcomeLedger();
    const byName = { paths: new Map([['FA-1', ['FA-1.pdf']], ['FA-2', ['FA-2.pdf']]]), storeDescription: 'the folder' };
    const candidates = candidatesOf(groups, found, byName, ledger);
    expect(candidates.map((c) => c.path)).toEqual(['FA-2.pdf']);
    expect(ledger.rows([entry('e1', 'FA-1')])[0]).toMatchObject({ outcome: 'withheld', reason: 'the ERP says: cancelled in ERPNext; not sent' });
  });
});
