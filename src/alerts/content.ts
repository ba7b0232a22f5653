// What an alert says, once, whatever carries it (an e-mail, a Teams card, a Slack message, JSON):
// the subject a person sees in the inbox, the counts, what stopped the run, the first problems
// with their reasons and where the report and log are. Masked whole before any of it is written.
import path from 'node:path';
import type { LoadedMapping } from '../mapping/schema.js';
import type { EntryResult } from '../pipeline/outcomes.js';
import { newProblems, plural, problemEntries, type RunReport } from '../pipeline/report.js';
import { redactValue } from '../secrets.js';

/** Problems listed in an alert; the rest are counted, and the report has them all. */
export const LISTED_PROBLEMS = 20;

export interface AlertProblem {
  entryId: string;
  documentNumber?: string;
  outcome: string;
  reason: string;
  path?: string;
  /** For a known problem listed with policy `all`: since when it has been reported. */
  firstReportedAt?: string;
}

export interface AlertContent {
  subject: string;
  /** `aborted`: the run stopped; `problems`: completed with problems to tell; `completed`: nothing to tell (on: always). */
  status: 'aborted' | 'problems' | 'completed';
  mappingFile: string;
  runId?: string;
  startedAt?: string;
  finishedAt?: string;
  dryRun: boolean;
  /** One line under the subject, e.g. "3 new problems (5 known, already reported)". */
  headline: string;
  abort?: { stage: string; kind: string; message: string };
  /** The report's counts in words, in the summary's order; only those that are not zero, but the first. */
  counts: { label: string; value: number }[];
  problems: AlertProblem[];
  /** Problems to tell beyond those listed. */
  moreProblems: number;
  /** Problems reported by earlier runs and left out (policy `new`). */
  knownProblems: number;
  reportFile?: string;
  logFile?: string;
}

export interface AlertFiles {
  reportFile?: string;
  logFile?: string;
}

/** What stopped a run that ended without a report (the CLI caught it). */
export interface RunFailure {
  message: string;
  kind: string;
}

type ProblemPolicy = 'new' | 'all';

function policyOf(loaded: LoadedMapping): ProblemPolicy {
  return loaded.mapping.report?.problems ?? 'new';
}

/** The problems an alert tells, as report.problems chooses them. */
export function problemsToTell(loaded: LoadedMapping, report: RunReport): EntryResult[] {
  return policyOf(loaded) === 'all' ? problemEntries(report) : newProblems(report);
}

/** Whether this run calls for an alert: it aborted, it has problems to tell, or alerts.on is always. */
export function alertIsDue(loaded: LoadedMapping, report: RunReport): boolean {
  const on = loaded.mapping.alerts?.on ?? 'problems';
  return on === 'always' || report.status === 'aborted' || problemsToTell(loaded, report).length > 0;
}

function defaultPrefix(loaded: LoadedMapping): string {
  return `clearnox-sync ${path.basename(loaded.file, path.extname(loaded.file))}`;
}

function prefixOf(loaded: LoadedMapping, dryRun: boolean): string {
  const prefix = loaded.mapping.alerts?.email?.subjectPrefix ?? defaultPrefix(loaded);
  return dryRun ? `${prefix} (dry run)` : prefix;
}

function countLines(report: RunReport): AlertContent['counts'] {
  const c = report.counts;
  const lines: AlertContent['counts'] = [{ label: 'entries without a document', value: c.missingEntries }];
  lines.push(report.dryRun ? { label: 'would attach', value: c.wouldAttach } : { label: 'attached', value: c.entriesAttached });
  const more: [string, number][] = [
    ['not in the ERP', c.notFoundInSource],
    ['PDF file missing', c.fileMissing],
    ['invalid document', c.invalidDocument],
    ['ambiguous number', c.ambiguous],
    ...Object.entries(c.rejected).map(([code, n]): [string, number] => [`rejected ${code}`, n]),
    ['errors', c.errors],
    ['not handled (the run stopped before them)', c.notHandled],
  ];
  for (const [label, value] of more) if (value > 0) lines.push({ label, value });
  return lines;
}

function asProblem(e: EntryResult): AlertProblem {
  return {
    entryId: e.entryId,
    ...(e.documentNumber !== undefined ? { documentNumber: e.documentNumber } : {}),
    outcome: e.outcome,
    reason: e.reason,
    ...(e.path !== undefined ? { path: e.path } : {}),
    ...(e.problem === 'known' && e.firstReportedAt ? { firstReportedAt: e.firstReportedAt } : {}),
  };
}

/** The alert for a run that wrote its report (aborted or not). */
export function reportAlert(loaded: LoadedMapping, report: RunReport, files: AlertFiles): AlertContent {
  const policy = policyOf(loaded);
  const told = problemsToTell(loaded, report);
  const all = problemEntries(report);
  const known = policy === 'new' ? all.length - told.length : 0;
  const problemsText = plural(told.length, policy === 'new' ? 'new problem' : 'problem', policy === 'new' ? 'new problems' : 'problems');
  const knownText = known > 0 ? ` (${known} known, already reported by earlier runs)` : '';
  let status: AlertContent['status'];
  let headline: string;
  if (report.abort) {
    status = 'aborted';
    headline = `ABORTED while ${report.abort.stage}`;
  } else if (told.length > 0) {
    status = 'problems';
    headline = `${problemsText}${knownText}`;
  } else {
    status = 'completed';
    const attached = report.dryRun ? `${report.counts.wouldAttach} would be attached` : `${report.counts.entriesAttached} attached`;
    headline = `completed, ${attached}${all.length > 0 ? `, no new problem${knownText}` : ''}`;
  }
  return redactValue({
    subject: `${prefixOf(loaded, report.dryRun)}: ${headline}`,
    status,
    mappingFile: loaded.file,
    runId: report.runId,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    dryRun: report.dryRun,
    headline: report.abort && told.length > 0 ? `${headline}; ${problemsText} before it stopped${knownText}` : headline,
    ...(report.abort ? { abort: { ...report.abort } } : {}),
    counts: countLines(report),
    problems: told.slice(0, LISTED_PROBLEMS).map(asProblem),
    moreProblems: Math.max(0, told.length - LISTED_PROBLEMS),
    knownProblems: known,
    ...files,
  });
}

/** The alert for a run that stopped before it had a report to write. */
export function failureAlert(loaded: LoadedMapping, failure: RunFailure, files: AlertFiles, dryRun = false): AlertContent {
  const headline = 'ABORTED before its report was made';
  return redactValue({
    subject: `${prefixOf(loaded, dryRun)}: ${headline}`,
    status: 'aborted' as const,
    mappingFile: loaded.file,
    dryRun,
    headline,
    abort: { stage: 'the run', kind: failure.kind, message: failure.message },
    counts: [],
    problems: [],
    moreProblems: 0,
    knownProblems: 0,
    ...files,
  });
}
