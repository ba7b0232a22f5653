// The report is what an integrator reads the morning after: one row per missing entry with a
// reason a person understands, and counts that add up.
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redactValue } from '../secrets.js';
import type { EntryResult } from './outcomes.js';

export type RunStatus = 'completed' | 'completed_with_failures' | 'aborted';

export type AbortKind = 'config' | 'credentials' | 'unreachable' | 'refused' | 'interrupted' | 'busy' | 'internal';

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
  counts: ReportCounts;
  archives: ArchiveReport[];
  entries: EntryResult[];
}

export interface ReportCounts {
  missingEntries: number;
  matched: number;
  notFoundInSource: number;
  ambiguous: number;
  fileMissing: number;
  invalidDocument: number;
  uploadedArchives: number;
  entriesAttached: number;
  wouldAttach: number;
  rejected: Record<string, number>;
  errors: number;
}

export function newRunId(): string {
  return randomUUID();
}

export function countResults(entries: EntryResult[], uploadedArchives: number): ReportCounts {
  const counts: ReportCounts = {
    missingEntries: entries.length,
    matched: 0,
    notFoundInSource: 0,
    ambiguous: 0,
    fileMissing: 0,
    invalidDocument: 0,
    uploadedArchives,
    entriesAttached: 0,
    wouldAttach: 0,
    rejected: {},
    errors: 0,
  };
  for (const e of entries) {
    if (e.outcome === 'not_found') counts.notFoundInSource++;
    else if (e.outcome === 'ambiguous') counts.ambiguous++;
    else counts.matched++;
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
  await mkdir(path.dirname(target), { recursive: true });
  // Written beside and renamed, so a scheduled task never leaves half a report behind.
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(redactValue(report), null, 2) + '\n', 'utf8');
  await rename(tmp, target);
}

export function summaryText(report: RunReport): string {
  const c = report.counts;
  const lines: string[] = [];
  const title = report.dryRun ? 'Dry run (nothing sent)' : 'Run';
  const status =
    report.status === 'aborted' ? 'ABORTED' : report.status === 'completed' ? 'completed' : 'completed, with documents not delivered';
  lines.push(`${title} ${status}: ${c.missingEntries} entries without a document in Clearnox.`);
  if (report.dryRun) lines.push(`  would attach        ${c.wouldAttach}`);
  else lines.push(`  attached            ${c.entriesAttached}  (in ${c.uploadedArchives} archive${c.uploadedArchives === 1 ? '' : 's'})`);
  lines.push(`  not in the ERP      ${c.notFoundInSource}  (normal for entries without an invoice, e.g. manual entries)`);
  if (c.fileMissing) lines.push(`  PDF file missing    ${c.fileMissing}`);
  if (c.invalidDocument) lines.push(`  invalid document    ${c.invalidDocument}`);
  if (c.ambiguous) lines.push(`  ambiguous number    ${c.ambiguous}  (one number, several files: nothing sent)`);
  for (const [code, n] of Object.entries(c.rejected)) lines.push(`  rejected ${code.padEnd(10)} ${n}`);
  if (c.errors) lines.push(`  errors              ${c.errors}`);
  if (report.abort) lines.push(`Aborted during ${report.abort.stage}: ${report.abort.message}`);
  const examples = report.entries.filter((e) => !['attached', 'would_attach', 'not_found'].includes(e.outcome)).slice(0, 5);
  if (examples.length > 0) {
    lines.push('First problems:');
    for (const e of examples) lines.push(`  ${e.documentNumber} (${e.entryId}): ${e.outcome}: ${e.reason}`);
  }
  return lines.join('\n');
}
