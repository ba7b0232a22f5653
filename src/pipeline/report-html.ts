// The report a person opens from a mail or a share: one page, counts first, then what needs a
// look (new problems before those reported before), each with its reason. It stands alone (its
// style inline, no script, nothing fetched: the policy below forbids it) so it opens the same on
// a server without internet, and every value is escaped: numbers and reasons come from databases.
import type { EntryResult } from './outcomes.js';
import { problemEntries, problemsText, type RunReport } from './report.js';

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body{font:14px/1.4 "Segoe UI",Arial,sans-serif;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555;margin:0 0 16px}
.abort{border:1px solid #b00;background:#fee;padding:8px 12px;white-space:pre-wrap}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.n{text-align:right}
tr.new td:first-child{color:#b00;font-weight:bold}tr.known td:first-child{color:#666}
details summary{cursor:pointer;margin:24px 0 8px;font-weight:bold}
`;

const ROW_FIELDS: [keyof EntryResult, string][] = [
  ['documentNumber', 'Document number'],
  ['companyCode', 'Company'],
  ['outcome', 'Outcome'],
  ['reason', 'Reason'],
  ['path', 'Path'],
  ['entryId', 'Entry'],
];

function title(report: RunReport): string {
  const what = report.dryRun ? 'Dry run (nothing sent)' : 'Run';
  if (report.status === 'aborted') return `${what} ABORTED`;
  return `${what} ${report.status === 'completed' ? 'completed' : 'completed, with documents not delivered'}`;
}

function countRows(report: RunReport): [string, number][] {
  const c = report.counts;
  const rows: [string, number][] = [['Entries without a document', c.missingEntries]];
  rows.push(report.dryRun ? ['Would attach', c.wouldAttach] : ['Attached', c.entriesAttached]);
  rows.push(['Not in the ERP', c.notFoundInSource]);
  if (c.withheld) rows.push(['Withheld by the ERP (cancelled or draft: not sent)', c.withheld]);
  if (c.fileMissing) rows.push(['PDF file missing', c.fileMissing]);
  if (c.invalidDocument) rows.push(['Invalid document', c.invalidDocument]);
  if (c.ambiguous) rows.push(['Ambiguous number', c.ambiguous]);
  for (const [code, n] of Object.entries(c.rejected)) rows.push([`Rejected ${code}`, n]);
  if (c.errors) rows.push(['Errors', c.errors]);
  if (c.notHandled) rows.push(['Not handled (the run stopped before them)', c.notHandled]);
  rows.push(['New problems', c.newProblems], ['Problems already reported', c.knownProblems]);
  return rows;
}

// A page that still opens from a mail when a wrong root made every file missing; the CSV has all.
export const HTML_ROWS_SHOWN = 1000;

function entryTable(all: readonly EntryResult[], withProblem: boolean): string {
  const rows = all.slice(0, HTML_ROWS_SHOWN);
  const more = all.length - rows.length;
  const head = (withProblem ? ['Problem'] : []).concat(ROW_FIELDS.map(([, label]) => label));
  const body = rows.map((e) => {
    const mark = e.problem === 'known' ? `known since ${e.firstReportedAt?.slice(0, 10) ?? '?'}` : 'new';
    const cells = (withProblem ? [mark] : []).concat(ROW_FIELDS.map(([key]) => String(e[key] ?? '')));
    return `<tr${withProblem ? ` class="${e.problem === 'known' ? 'known' : 'new'}"` : ''}>${cells.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`;
  });
  const table = `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`;
  return more > 0 ? `${table}\n<p>${escapeHtml(`... and ${more} more in the CSV and the JSON report.`)}</p>` : table;
}

/** The whole page; the caller masks secrets first, as for every output. */
export function reportHtml(report: RunReport): string {
  const problems = problemEntries(report);
  const fresh = problems.filter((e) => e.problem !== 'known');
  const known = problems.filter((e) => e.problem === 'known');
  const looked = new Set(problems);
  const others = report.entries.filter((e) => !looked.has(e));
  const parts = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(`clearnox-sync: ${title(report)}`)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(`clearnox-sync: ${title(report)}`)}</h1>`,
    `<p class="meta">${escapeHtml(report.mappingFile)} · ${escapeHtml(report.startedAt)} to ${escapeHtml(report.finishedAt)} · run ${escapeHtml(report.runId)}</p>`,
  ];
  if (report.abort) parts.push(`<p class="abort">Stopped while ${escapeHtml(report.abort.stage)}: ${escapeHtml(report.abort.message)}</p>`);
  parts.push(
    '<h2>Counts</h2>',
    `<table><tbody>${countRows(report).map(([label, n]) => `<tr><th>${escapeHtml(label)}</th><td class="n">${n}</td></tr>`).join('')}</tbody></table>`,
  );
  if (problems.length > 0) {
    parts.push(`<h2>${escapeHtml(`To look at: ${problemsText(fresh.length, known)}`)}</h2>`, entryTable([...fresh, ...known], true));
  } else {
    parts.push('<h2>Nothing to look at</h2>');
  }
  if (others.length > 0) parts.push(`<details><summary>${escapeHtml(`The other ${others.length} entries`)}</summary>`, entryTable(others, false), '</details>');
  parts.push('</body></html>', '');
  return parts.join('\n');
}
