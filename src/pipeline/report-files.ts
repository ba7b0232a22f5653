// The JSON report for scripts, and beside it a CSV for Excel and a one-page HTML for a person:
// the same rows, masked alike, each written aside and renamed so none is ever left half written.
import path from 'node:path';
import type { ReportSection } from '../mapping/sections/report.js';
import { writeFileReplacing } from '../private-files.js';
import { redactValue } from '../secrets.js';
import { writeReport, type RunReport } from './report.js';
import { reportCsv } from './report-csv.js';
import { reportHtml } from './report-html.js';

export interface ReportFiles {
  json: string;
  csv: string;
  html: string;
}

/** run-1.json gives run-1.csv and run-1.html; a name not ending in .json keeps it whole (run-1.txt.csv). */
export function reportFiles(file: string): ReportFiles {
  const json = path.resolve(file);
  const stem = /\.json$/i.test(json) ? json.slice(0, -'.json'.length) : json;
  return { json, csv: `${stem}.csv`, html: `${stem}.html` };
}

export async function writeReports(file: string, report: RunReport, section: Pick<ReportSection, 'csvSeparator'>): Promise<ReportFiles> {
  const files = reportFiles(file);
  await writeReport(files.json, report);
  const masked = redactValue(report);
  await writeFileReplacing(files.csv, reportCsv(masked, section.csvSeparator));
  await writeFileReplacing(files.html, reportHtml(masked));
  return files;
}
