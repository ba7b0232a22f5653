// The report as a spreadsheet opens it: Excel reads a CSV in the machine's ANSI code page unless
// it starts with a UTF-8 byte-order mark (then "Facture réglée" keeps its é), splits it on the
// list separator of the machine's region (";" wherever the decimal comma is used), and wants
// CRLF. A "sep=;" first line would fix the separator but makes Excel ignore the mark, so the
// separator is the mapping file's report.csvSeparator instead.
import type { EntryResult } from './outcomes.js';
import type { RunReport } from './report.js';

export const CSV_COLUMNS = [
  'entryId',
  'documentNumber',
  'companyCode',
  'outcome',
  'reasonCode',
  'reason',
  'path',
  'fileName',
  'importId',
  'problem',
  'firstReportedAt',
] as const satisfies readonly (keyof EntryResult)[];

export type CsvSeparator = ';' | ',';

const BOM = '\uFEFF';
// A cell Excel would take for a formula: document numbers and reasons come from databases and
// file names, so "=HYPERLINK(...)" in one must stay text (OWASP's CSV injection advice).
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell, RFC 4180: quoted when it holds the separator, a quote or a line break; quotes doubled. */
export function csvCell(value: unknown, separator: CsvSeparator): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return text.includes(separator) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The report's rows as CSV text; the caller masks secrets first, as for every output. */
export function reportCsv(report: Pick<RunReport, 'entries'>, separator: CsvSeparator): string {
  const lines = [CSV_COLUMNS.join(separator)];
  for (const e of report.entries) lines.push(CSV_COLUMNS.map((c) => csvCell(e[c], separator)).join(separator));
  return BOM + lines.join('\r\n') + '\r\n';
}
