// An alert as a person reads it: plain text (any mail client, the JSON's `text`) and a simple HTML
// page (the e-mail's other part). Both come from the same content, already masked.
import { redact } from '../secrets.js';
import type { AlertContent, AlertProblem } from './content.js';

export function problemLine(p: AlertProblem): string {
  const since = p.firstReportedAt ? ` (reported since ${p.firstReportedAt.slice(0, 10)})` : '';
  return `${p.documentNumber ?? '(no number)'} (${p.entryId}): ${p.outcome}: ${p.reason}${since}`;
}

function moreLine(a: AlertContent): string | undefined {
  return a.moreProblems > 0 ? `... and ${a.moreProblems} more in the report.` : undefined;
}

function filesLines(a: AlertContent): string[] {
  const lines: string[] = [];
  if (a.reportFile) lines.push(`Report: ${a.reportFile}`);
  if (a.logFile) lines.push(`Log: ${a.logFile}`);
  if (lines.length === 0) lines.push('No report or log file was asked for (run --report and --log-file): the console of the run has the rest.');
  return lines;
}

export function alertText(a: AlertContent): string {
  const lines = [a.headline, '', `Mapping file: ${a.mappingFile}`];
  if (a.startedAt) lines.push(`Started: ${a.startedAt}${a.finishedAt ? `, finished: ${a.finishedAt}` : ''}`);
  if (a.dryRun) lines.push('It was a dry run: nothing was sent to Clearnox.');
  if (a.abort) lines.push('', `What stopped it (${a.abort.kind}), while ${a.abort.stage}:`, `  ${a.abort.message}`);
  if (a.counts.length > 0) {
    lines.push('');
    for (const c of a.counts) lines.push(`  ${c.label}: ${c.value}`);
  }
  if (a.problems.length > 0) {
    lines.push('', a.problems.length === 1 && a.moreProblems === 0 ? 'The problem:' : 'The first problems:');
    for (const p of a.problems) lines.push(`  ${problemLine(p)}`);
    const more = moreLine(a);
    if (more) lines.push(`  ${more}`);
  }
  if (a.knownProblems > 0) lines.push('', `${a.knownProblems} known problem${a.knownProblems === 1 ? '' : 's'}, reported by earlier runs, not listed here: the report has them.`);
  lines.push('', ...filesLines(a));
  return redact(lines.join('\n')) + '\n';
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function alertHtml(a: AlertContent): string {
  const e = escapeHtml;
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><title>' + e(a.subject) + '</title></head>',
    '<body style="font-family: Segoe UI, Arial, sans-serif; font-size: 14px">',
    `<h2 style="color: ${a.status === 'completed' ? '#2e7d32' : '#c62828'}">${e(a.headline)}</h2>`,
    `<p>Mapping file: <code>${e(a.mappingFile)}</code>${a.startedAt ? `<br>Started: ${e(a.startedAt)}${a.finishedAt ? `, finished: ${e(a.finishedAt)}` : ''}` : ''}</p>`,
  ];
  if (a.dryRun) parts.push('<p>It was a dry run: nothing was sent to Clearnox.</p>');
  if (a.abort) parts.push(`<p><b>What stopped it</b> (${e(a.abort.kind)}), while ${e(a.abort.stage)}:</p><pre style="white-space: pre-wrap">${e(a.abort.message)}</pre>`);
  if (a.counts.length > 0) {
    parts.push('<table style="border-collapse: collapse">');
    for (const c of a.counts) parts.push(`<tr><td style="padding: 2px 12px 2px 0">${e(c.label)}</td><td style="text-align: right">${c.value}</td></tr>`);
    parts.push('</table>');
  }
  if (a.problems.length > 0) {
    parts.push('<h3>Problems</h3>', '<table style="border-collapse: collapse" border="1" cellpadding="4">', '<tr><th>Document</th><th>Entry</th><th>Outcome</th><th>Reason</th></tr>');
    for (const p of a.problems) {
      const since = p.firstReportedAt ? ` (reported since ${e(p.firstReportedAt.slice(0, 10))})` : '';
      parts.push(`<tr><td>${e(p.documentNumber ?? '(no number)')}</td><td>${e(p.entryId)}</td><td>${e(p.outcome)}</td><td>${e(p.reason)}${since}</td></tr>`);
    }
    parts.push('</table>');
    const more = moreLine(a);
    if (more) parts.push(`<p>${e(more)}</p>`);
  }
  if (a.knownProblems > 0) parts.push(`<p>${a.knownProblems} known problem${a.knownProblems === 1 ? '' : 's'}, reported by earlier runs, not listed here: the report has them.</p>`);
  parts.push(`<p>${filesLines(a).map(e).join('<br>')}</p>`, '</body></html>');
  return redact(parts.join('\n')) + '\n';
}
