// The report is what an integrator reads the morning after: one row per missing entry with a
// reason a person understands, and counts that add up.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorKind } from '../errors.js';
import type { Logger } from '../log.js';
import { PRIVATE_FOLDER, writeFileReplacing } from '../private-files.js';
import { redactValue } from '../secrets.js';
import type { EntryResult } from './outcomes.js';

export type RunStatus = 'completed' | 'completed_with_failures' | 'aborted';

/** What stopped the run: one of the error kinds, which decide the exit code. */
export type AbortKind = ErrorKind;

export interface ArchiveReport {
  index: number;
  documents: number;
  bytes: number;
  sha256: string;
  importId?: string;
  status: 'completed' | 'failed' | 'not_sent' | 'error';
  message?: string;
}

export interface RunReport {
  runId: string;
  tool: string;
  mappingFile: string;
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  status: RunStatus;
  abort?: { stage: string; kind: AbortKind; message: string };
  /** Clearnox's list of entries without a document was read to the end. */
  listed: boolean;
  counts: ReportCounts;
  archives: ArchiveReport[];
  entries: EntryResult[];
}

/**
 * Counts of the report's rows, so they add up: missingEntries = notFoundInSource + withheld +
 * ambiguous + matched + notHandled, and matched = fileMissing + invalidDocument + entriesAttached +
 * wouldAttach + rejected + errors.
 */
export interface ReportCounts {
  /** Rows: the entries Clearnox listed, plus fromEarlierRuns. */
  missingEntries: number;
  /** Rows of entries an earlier run's import (its archive sent again, or waited for) settled in this run. */
  fromEarlierRuns: number;
  matched: number;
  notFoundInSource: number;
  /** Found in the ERP, which says the document must not be sent (source.withheldColumn): reported, not sent, not a problem. */
  withheld: number;
  ambiguous: number;
  fileMissing: number;
  invalidDocument: number;
  /** This run's archives whose import completed (a failed import is not counted). */
  uploadedArchives: number;
  /** Earlier runs' imports this run saw complete. */
  earlierImports: number;
  entriesAttached: number;
  wouldAttach: number;
  rejected: Record<string, number>;
  errors: number;
  /** Listed entries the run stopped before reaching (not_handled): neither looked up nor sent. */
  notHandled: number;
  /** Rows needing a look that no earlier run reported (known-problems.ts); with report.problems: new, they alone make exit code 4. */
  newProblems: number;
  /** Rows needing a look that an earlier run already reported, and every run since. */
  knownProblems: number;
}

export function newRunId(): string {
  return randomUUID();
}

export function countResults(entries: EntryResult[], archives: { uploadedArchives: number; earlierImports: number }): ReportCounts {
  const counts: ReportCounts = {
    missingEntries: entries.length,
    fromEarlierRuns: 0,
    matched: 0,
    notFoundInSource: 0,
    withheld: 0,
    ambiguous: 0,
    fileMissing: 0,
    invalidDocument: 0,
    ...archives,
    entriesAttached: 0,
    wouldAttach: 0,
    rejected: {},
    errors: 0,
    notHandled: 0,
    ...problemCounts(entries),
  };
  for (const e of entries) {
    if (e.sentByEarlierRun) counts.fromEarlierRuns++;
    if (e.reasonCode === 'not_handled') counts.notHandled++;
    else if (e.outcome === 'not_found') counts.notFoundInSource++;
    else if (e.outcome === 'withheld') counts.withheld++;
    else if (e.outcome === 'ambiguous') counts.ambiguous++;
    else counts.matched++;
    if (e.reasonCode === 'not_handled') continue;
    if (e.outcome === 'file_missing') counts.fileMissing++;
    else if (e.outcome === 'invalid_document') counts.invalidDocument++;
    else if (e.outcome === 'attached') counts.entriesAttached++;
    else if (e.outcome === 'would_attach') counts.wouldAttach++;
    else if (e.outcome === 'error') counts.errors++;
    else if (e.outcome.startsWith('rejected:')) {
      const code = e.outcome.slice('rejected:'.length);
      counts.rejected[code] = (counts.rejected[code] ?? 0) + 1;
    }
  }
  return counts;
}

/** Entries whose document exists in the ERP but did not reach Clearnox: someone should look. */
export function undelivered(counts: ReportCounts): number {
  const rejected = Object.values(counts.rejected).reduce((a, b) => a + b, 0);
  return counts.ambiguous + counts.fileMissing + counts.invalidDocument + rejected + counts.errors;
}

export async function writeReport(file: string, report: RunReport): Promise<void> {
  const target = path.resolve(file);
  await mkdir(path.dirname(target), { recursive: true, mode: PRIVATE_FOLDER });
  // Written beside and renamed, so a scheduled task never leaves half a report behind; it names
  // invoices and entries, so only the task's account reads it.
  await writeFileReplacing(target, JSON.stringify(redactValue(report), null, 2) + '\n');
}

/** One row as the console and the log say it, in the words of the report's row. */
export function entryLine(e: EntryResult): string {
  const known = e.problem === 'known' ? ` (already reported${e.firstReportedAt ? ` on ${e.firstReportedAt.slice(0, 10)}` : ''})` : '';
  return `${e.documentNumber ?? e.fileName ?? '(no number)'} (${e.entryId}): ${e.outcome}: ${e.reason}${known}`;
}

/** A row a person should look at; an aborted run's entries it never reached are counted, not listed. */
export function needsALook(e: EntryResult): boolean {
  return !['attached', 'would_attach', 'not_found', 'withheld'].includes(e.outcome) && e.reasonCode !== 'not_handled';
}

/** The rows a person should look at, in the report's order. */
export function problemEntries(report: Pick<RunReport, 'entries'>): EntryResult[] {
  return report.entries.filter(needsALook);
}

/** The problems no earlier run of this mapping file reported: a row not marked known is new. */
export function newProblems(report: Pick<RunReport, 'entries'>): EntryResult[] {
  return problemEntries(report).filter((e) => e.problem !== 'known');
}

export function problemCounts(entries: readonly EntryResult[]): Pick<ReportCounts, 'newProblems' | 'knownProblems'> {
  let newProblems = 0;
  let knownProblems = 0;
  for (const e of entries) {
    if (!needsALook(e)) continue;
    if (e.problem === 'known') knownProblems++;
    else newProblems++;
  }
  return { newProblems, knownProblems };
}

/**
 * One log record per row that is not an attachment, carrying the row's own fields: the log file,
 * the console and the JSON report tell each entry's outcome in the same words.
 */
export function logEntries(entries: readonly EntryResult[], log: Logger): void {
  for (const e of entries) {
    if (e.outcome === 'attached' || e.outcome === 'would_attach') continue;
    if (needsALook(e)) log.warn({ ...e }, entryLine(e));
    else log.debug({ ...e }, entryLine(e));
  }
}

const SHOWN_PROBLEMS = 5;

export function summaryText(report: RunReport): string {
  const c = report.counts;
  const lines: string[] = [];
  const title = report.dryRun ? 'Dry run (nothing sent)' : 'Run';
  const listedByClearnox = c.missingEntries - c.fromEarlierRuns;
  const whose = 'an earlier run had sent, whose import this run saw complete';
  const earlier =
    c.fromEarlierRuns === 0
      ? ' in Clearnox'
      : listedByClearnox === 0
        ? `, all of them ${whose}`
        : `: ${listedByClearnox} listed by Clearnox, and ${c.fromEarlierRuns} ${whose}`;
  if (report.abort) {
    // What stopped the run comes first and whole: it often says what to change (a fingerprint to pin).
    lines.push(`${title} ABORTED while ${report.abort.stage}:`, `  ${report.abort.message}`);
    if (!report.listed) lines.push("Clearnox's list of entries without a document was not read, so no document was looked up or sent for it.");
    if (c.missingEntries > 0) lines.push(`Before it stopped: ${plural(c.missingEntries, 'entry', 'entries')} without a document${earlier}.`);
  } else {
    const status = report.status === 'completed' ? 'completed' : 'completed, with documents not delivered';
    lines.push(`${title} ${status}: ${plural(c.missingEntries, 'entry', 'entries')} without a document${earlier}.`);
  }
  if (report.listed || c.missingEntries > 0) {
    if (report.dryRun) lines.push(`  would attach        ${c.wouldAttach}`);
    else {
      const imports = c.earlierImports ? `, and ${plural(c.earlierImports, 'import')} of earlier runs` : '';
      lines.push(`  attached            ${c.entriesAttached}  (in ${plural(c.uploadedArchives, 'archive')}${imports})`);
    }
  }
  if (report.listed) lines.push(`  not in the ERP      ${c.notFoundInSource}  (normal for entries without an invoice, e.g. manual entries)`);
  if (c.withheld) lines.push(`  withheld by the ERP ${c.withheld}  (cancelled or draft in the ERP: not sent)`);
  if (c.fileMissing) lines.push(`  PDF file missing    ${c.fileMissing}`);
  if (c.invalidDocument) lines.push(`  invalid document    ${c.invalidDocument}`);
  if (c.ambiguous) lines.push(`  ambiguous number    ${c.ambiguous}  (one number, several files: nothing sent)`);
  for (const [code, n] of Object.entries(c.rejected)) lines.push(`  rejected ${code.padEnd(10)} ${n}`);
  if (c.errors) lines.push(`  errors              ${c.errors}`);
  if (c.notHandled) lines.push(`  not handled         ${c.notHandled}  (the run stopped before them: not looked up, not sent; the next run takes them up)`);
  const problems = problemEntries(report);
  if (problems.length > 0) {
    // What changed since the last run comes first: the known ones were told before.
    const fresh = problems.filter((e) => e.problem !== 'known');
    const known = problems.filter((e) => e.problem === 'known');
    lines.push(`Problems: ${problemsText(fresh.length, known)}.`);
    lines.push('First problems:');
    for (const e of [...fresh, ...known].slice(0, SHOWN_PROBLEMS)) lines.push(`  ${entryLine(e)}`);
    if (problems.length > SHOWN_PROBLEMS) lines.push(`  ... and ${problems.length - SHOWN_PROBLEMS} more in the report and the log.`);
  }
  return lines.join('\n');
}

/** "3 new, 12 already reported (first on 2026-11-02)": the first date tells how long the oldest has lasted. */
export function problemsText(fresh: number, known: readonly EntryResult[]): string {
  if (known.length === 0) return `${fresh} new`;
  const first = known.reduce((a, e) => (e.firstReportedAt && e.firstReportedAt < a ? e.firstReportedAt : a), known[0]!.firstReportedAt ?? '');
  const since = first ? ` (first on ${first.slice(0, 10)})` : '';
  return `${fresh} new, ${known.length} already reported${since}`;
}

export function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}
