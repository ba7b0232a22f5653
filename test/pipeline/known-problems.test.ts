// A problem is news once: the runs after it mark it known, with the day it was first reported,
// until a completed run no longer has it; an aborted run forgets nothing it did not reach, and a
// dry run reads the history without writing it.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { ProblemHistory, historyFile, markProblems, type ProblemRecord } from '../../src/pipeline/known-problems.js';
import type { EntryResult } from '../../src/pipeline/outcomes.js';
import { countResults, newProblems, problemEntries, summaryText, type RunReport } from '../../src/pipeline/report.js';

const missing = (id: string, n = id): EntryResult => ({ entryId: id, documentNumber: n, outcome: 'file_missing', reasonCode: 'file_not_found', reason: `${n}.pdf not found` });
const attached = (id: string): EntryResult => ({ entryId: id, documentNumber: id, outcome: 'attached', reasonCode: 'attached', reason: 'attached' });
const notInErp = (id: string): EntryResult => ({ entryId: id, documentNumber: id, outcome: 'not_found', reasonCode: 'no_row_in_source', reason: 'not in the ERP' });
const notHandled = (id: string): EntryResult => ({ entryId: id, documentNumber: id, outcome: 'error', reasonCode: 'not_handled', reason: 'not reached' });

function report(entries: EntryResult[], more: Partial<RunReport> = {}): RunReport {
  return {
    runId: 'r',
    tool: 'clearnox-sync',
    mappingFile: '/m.yaml',
    startedAt: '2026-11-02T01:00:00.000Z',
    finishedAt: '2026-11-02T01:05:00.000Z',
    dryRun: false,
    status: 'completed_with_failures',
    listed: true,
    counts: countResults(entries, { uploadedArchives: 0, earlierImports: 0 }),
    archives: [],
    entries,
    ...more,
  };
}

const DAY1 = '2026-11-02T01:00:00.000Z';
const DAY2 = '2026-11-03T01:00:00.000Z';

describe('markProblems', () => {
  it('marks a problem new the first time, known with its first day afterwards; attached and not-in-ERP rows are no problem', () => {
    const first = markProblems([missing('e1'), attached('e2'), notInErp('e3')], [], { at: DAY1, completed: true });
    expect(first.rows.map((r) => r.problem)).toEqual(['new', undefined, undefined]);
    expect(first.history).toEqual([{ entryId: 'e1', outcome: 'file_missing', reasonCode: 'file_not_found', firstReportedAt: DAY1 }]);
    const second = markProblems([missing('e1'), missing('e4')], first.history, { at: DAY2, completed: true });
    expect(second.rows.map((r) => [r.entryId, r.problem, r.firstReportedAt])).toEqual([
      ['e1', 'known', DAY1],
      ['e4', 'new', undefined],
    ]);
  });

  it('is a new problem when the same entry fails for another reason', () => {
    const { history } = markProblems([missing('e1')], [], { at: DAY1, completed: true });
    const refused: EntryResult = { ...missing('e1'), outcome: 'invalid_document', reasonCode: 'not_a_pdf' };
    expect(markProblems([refused], history, { at: DAY2, completed: true }).rows[0]!.problem).toBe('new');
  });

  it('forgets a problem a completed run no longer has: coming back, it is new again', () => {
    const { history } = markProblems([missing('e1')], [], { at: DAY1, completed: true });
    const fixed = markProblems([attached('e1')], history, { at: DAY2, completed: true });
    expect(fixed.history).toEqual([]);
    const gone = markProblems([], history, { at: DAY2, completed: true });
    expect(gone.history).toEqual([]);
    expect(markProblems([missing('e1')], gone.history, { at: DAY2, completed: true }).rows[0]!.problem).toBe('new');
  });

  it('an aborted run keeps the records of the entries it did not reach, and updates those it did', () => {
    const previous: ProblemRecord[] = ['e1', 'e2', 'e3'].map((id) => ({ entryId: id, outcome: 'file_missing', reasonCode: 'file_not_found', firstReportedAt: DAY1 }));
    // e1 reached and fixed, e2 never reached (not_handled), e3 absent (the listing stopped first), e4 new.
    const { rows, history } = markProblems([attached('e1'), notHandled('e2'), missing('e4')], previous, { at: DAY2, completed: false });
    expect(rows.map((r) => r.problem)).toEqual([undefined, undefined, 'new']);
    expect(history.map((r) => r.entryId).sort()).toEqual(['e2', 'e3', 'e4']);
    expect(history.find((r) => r.entryId === 'e2')!.firstReportedAt).toBe(DAY1);
  });
});

describe('ProblemHistory in the state folder', () => {
  let dir: string;
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (_o: unknown, m: string) => void warnings.push(m) } as unknown as Logger;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-known-'));
    warnings.length = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const mappingFile = () => path.join(dir, 'acme.yaml');
  const open = () => new ProblemHistory(historyFile(path.join(dir, 'state'), mappingFile()), mappingFile(), log);

  it('is named after the mapping file, private, and makes the second run see the first one\'s problems as known', async () => {
    await mkdir(path.join(dir, 'state'));
    const first = open();
    const r1 = first.mark(report([missing('e1'), missing('e2')], { startedAt: DAY1 }));
    expect(r1.counts).toMatchObject({ newProblems: 2, knownProblems: 0 });
    await first.save();
    const file = path.join(dir, 'state', 'acme.yaml.problems.json');
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = open();
    const r2 = second.mark(report([missing('e1'), missing('e3')], { startedAt: DAY2 }));
    expect(r2.entries.map((e) => [e.entryId, e.problem, e.firstReportedAt])).toEqual([
      ['e1', 'known', DAY1],
      ['e3', 'new', undefined],
    ]);
    expect(r2.counts).toMatchObject({ newProblems: 1, knownProblems: 1 });
    expect(newProblems(r2).map((e) => e.entryId)).toEqual(['e3']);
    expect(problemEntries(r2).map((e) => e.entryId)).toEqual(['e1', 'e3']);
    await second.save();
    // e2 was fixed: one record per current problem, no more.
    expect(JSON.parse(await readFile(file, 'utf8')).problems.map((p: ProblemRecord) => p.entryId)).toEqual(['e1', 'e3']);
    // Every problem fixed: the file goes, rather than an empty list left in the state folder.
    const third = open();
    third.mark(report([], { startedAt: DAY2 }));
    await third.save();
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a dry run reads the history and never writes it', async () => {
    await mkdir(path.join(dir, 'state'));
    const real = open();
    real.mark(report([missing('e1')], { startedAt: DAY1 }));
    await real.save();
    const file = historyFile(path.join(dir, 'state'), mappingFile());
    const before = await readFile(file, 'utf8');
    const dry = open();
    const r = dry.mark(report([missing('e1'), missing('e2')], { startedAt: DAY2, dryRun: true }));
    expect(r.entries.map((e) => e.problem)).toEqual(['known', 'new']);
    await dry.save();
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('a file it did not write, or another mapping file\'s, knows nothing: every problem is new', async () => {
    await mkdir(path.join(dir, 'state'));
    const file = historyFile(path.join(dir, 'state'), mappingFile());
    await writeFile(file, 'not json');
    expect(open().mark(report([missing('e1')])).entries[0]!.problem).toBe('new');
    expect(warnings.join('\n')).toMatch(/acme\.yaml\.problems\.json is not a list of problems this program wrote/);
    const other = { version: 1, mappingFile: path.join(dir, 'elsewhere', 'acme.yaml'), problems: [{ entryId: 'e1', outcome: 'file_missing', reasonCode: 'file_not_found', firstReportedAt: DAY1 }] };
    await writeFile(file, JSON.stringify(other));
    expect(open().mark(report([missing('e1')])).entries[0]!.problem).toBe('new');
  });

  it('a history that cannot be written is a warning, not a failed run', async () => {
    const h = new ProblemHistory(path.join(dir, 'no-such-folder', 'acme.yaml.problems.json'), mappingFile(), log);
    h.mark(report([missing('e1')]));
    await expect(h.save()).resolves.toBeUndefined();
    expect(warnings.join('\n')).toMatch(/the next run reports this run's problems as new again/);
  });
});

describe('what follows the marks', () => {
  const known = (e: EntryResult, at = DAY1): EntryResult => ({ ...e, problem: 'known', firstReportedAt: at });
  const marked = (entries: EntryResult[]) => report(entries);

  it('exit code 4 only for new problems by default, for every one with report.problems: all', () => {
    const allKnown = marked([known(missing('e1')), attached('e2')]);
    expect(exitCodeFor(allKnown)).toBe(0);
    expect(exitCodeFor(allKnown, 'new')).toBe(0);
    expect(exitCodeFor(allKnown, 'all')).toBe(4);
    const oneNew = marked([known(missing('e1')), { ...missing('e2'), problem: 'new' }]);
    expect(exitCodeFor(oneNew, 'new')).toBe(4);
    expect(exitCodeFor(marked([attached('e1'), notInErp('e2')]), 'all')).toBe(0);
  });

  it('the summary counts new and known problems and lists the new ones first', () => {
    const r = marked([known(missing('e1', 'FA-1'), '2026-11-05T00:00:00.000Z'), known(missing('e2', 'FA-2'), DAY1), { ...missing('e3', 'FA-3'), problem: 'new' }]);
    const text = summaryText(r);
    expect(text).toContain('Problems: 1 new, 2 already reported (first on 2026-11-02).');
    const lines = text.split('\n');
    const at = (n: string) => lines.findIndex((l) => l.includes(`${n} (`));
    expect(at('FA-3')).toBeLessThan(at('FA-1'));
    expect(lines[at('FA-3')]).toBe('  FA-3 (e3): file_missing: FA-3.pdf not found');
    expect(lines[at('FA-1')]).toBe('  FA-1 (e1): file_missing: FA-1.pdf not found (already reported on 2026-11-05)');
    expect(lines[at('FA-3') - 1]).toBe('First problems:');
    expect(summaryText(marked([{ ...missing('e3'), problem: 'new' }]))).toContain('Problems: 1 new.');
  });
});
