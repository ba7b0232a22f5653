// The CSV and HTML written beside the JSON report. Excel cannot run here, so the CSV is checked
// byte by byte for what Excel needs to open it with accents intact: the UTF-8 byte-order mark,
// é as UTF-8, the separator, RFC 4180 quoting, CRLF; and cells that Excel would run as formulas.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearSecrets, registerSecret } from '../../src/secrets.js';
import type { EntryResult } from '../../src/pipeline/outcomes.js';
import { countResults, type RunReport } from '../../src/pipeline/report.js';
import { CSV_COLUMNS, csvCell, reportCsv } from '../../src/pipeline/report-csv.js';
import { reportFiles, writeReports } from '../../src/pipeline/report-files.js';
import { HTML_ROWS_SHOWN, reportHtml } from '../../src/pipeline/report-html.js';

function report(entries: EntryResult[], more: Partial<RunReport> = {}): RunReport {
  return {
    runId: 'run-1',
    tool: 'clearnox-sync',
    mappingFile: 'C:\\clearnox\\acme.yaml',
    startedAt: '2026-11-03T01:00:00.000Z',
    finishedAt: '2026-11-03T01:05:00.000Z',
    dryRun: false,
    status: 'completed_with_failures',
    listed: true,
    counts: countResults(entries, { uploadedArchives: 1, earlierImports: 0 }),
    archives: [],
    entries,
    ...more,
  };
}

const ROWS: EntryResult[] = [
  { entryId: 'ent_1', documentNumber: 'FA-1', companyCode: 'ACME', outcome: 'attached', reasonCode: 'attached', reason: 'attached as FA-1.pdf', fileName: 'FA-1.pdf', importId: 'imp_1' },
  {
    entryId: 'ent_2',
    documentNumber: 'FA-2',
    companyCode: 'ACME',
    outcome: 'file_missing',
    reasonCode: 'file_not_found',
    reason: 'Facture réglée; "FA-2.pdf" introuvable',
    path: '2026/FA-2.pdf',
    problem: 'known',
    firstReportedAt: '2026-11-02T01:00:00.000Z',
  },
  { entryId: 'ent_3', documentNumber: '=HYPERLINK("http://x","y")', outcome: 'invalid_document', reasonCode: 'not_a_pdf', reason: 'line one\nline two', problem: 'new' },
  { entryId: 'ent_4', documentNumber: '<script>alert(1)</script>', outcome: 'ambiguous', reasonCode: 'several_files', reason: '<img src=x onerror=alert(2)> & more', problem: 'new' },
  { entryId: 'ent_5', documentNumber: 'OD-5', outcome: 'not_found', reasonCode: 'no_row_in_source', reason: 'not in the ERP' },
];

describe('the CSV', () => {
  it('starts with the UTF-8 byte-order mark, keeps é as UTF-8, ends lines with CRLF, separates with ; by default', () => {
    const bytes = Buffer.from(reportCsv(report(ROWS), ';'), 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.includes(Buffer.from([0xc3, 0xa9]))).toBe(true); // é
    expect(bytes.includes(Buffer.from('r\xe9gl', 'latin1'))).toBe(false);
    const text = bytes.subarray(3).toString('utf8');
    const lines = text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(CSV_COLUMNS.join(';'));
    expect(lines[0]).toBe('entryId;documentNumber;companyCode;outcome;reasonCode;reason;path;fileName;importId;problem;firstReportedAt');
    expect(lines[1]).toBe('ent_1;FA-1;ACME;attached;attached;attached as FA-1.pdf;;FA-1.pdf;imp_1;;');
    // The separator and quotes inside a cell: quoted, quotes doubled.
    expect(lines[2]).toBe('ent_2;FA-2;ACME;file_missing;file_not_found;"Facture réglée; ""FA-2.pdf"" introuvable";2026/FA-2.pdf;;;known;2026-11-02T01:00:00.000Z');
    // A line break inside a cell stays inside its quotes (the only bare LF in the file).
    expect(text).toContain('"line one\nline two"');
    expect(text.replaceAll('\r\n', '').includes('\r')).toBe(false);
  });

  it('with "," quotes the cells holding a comma, not those holding ";"', () => {
    const text = reportCsv(report([ROWS[1]!]), ',');
    expect(text.split('\r\n')[0]).toBe(`\uFEFF${CSV_COLUMNS.join(',')}`);
    expect(text).toContain(',"Facture réglée; ""FA-2.pdf"" introuvable",');
    expect(csvCell('a,b', ',')).toBe('"a,b"');
    expect(csvCell('a;b', ',')).toBe('a;b');
  });

  it('turns a cell that Excel would take for a formula into text', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(csvCell(`${start}1+1`, ';').replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("http://x","y")', ';')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('FA-1', ';')).toBe('FA-1');
    expect(csvCell(undefined, ';')).toBe('');
    expect(csvCell(null, ';')).toBe('');
  });
});

describe('the HTML summary', () => {
  const html = reportHtml(report(ROWS));

  it('escapes every value: a number or a reason holding markup is shown, never run', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt; &amp; more');
  });

  it('stands alone: inline style, no script, nothing fetched', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<link|<script|src=["']?http|url\(/i);
  });

  it('gives the counts first, then the problems, new ones before known ones, each with its reason', () => {
    const counts = html.indexOf('<h2>Counts</h2>');
    const problems = html.indexOf('To look at: 2 new, 1 already reported (first on 2026-11-02)');
    expect(counts).toBeGreaterThan(0);
    expect(problems).toBeGreaterThan(counts);
    const newRow = html.indexOf('&lt;script&gt;');
    const knownRow = html.indexOf('known since 2026-11-02');
    expect(newRow).toBeGreaterThan(problems);
    expect(knownRow).toBeGreaterThan(newRow);
    expect(html).toContain('Facture réglée; &quot;FA-2.pdf&quot; introuvable');
    // The rows needing no look come after, folded away.
    expect(html.indexOf('<details>')).toBeGreaterThan(knownRow);
    expect(html.indexOf('OD-5')).toBeGreaterThan(html.indexOf('<details>'));
  });

  it('shows at most HTML_ROWS_SHOWN rows a table, counting the rest', () => {
    const many = Array.from({ length: HTML_ROWS_SHOWN + 7 }, (_, i): EntryResult => ({ entryId: `e${i}`, documentNumber: `FA-${i}`, outcome: 'file_missing', reasonCode: 'file_not_found', reason: 'no file' }));
    const page = reportHtml(report(many));
    expect(page.match(/<tr class="new">/g)).toHaveLength(HTML_ROWS_SHOWN);
    expect(page).toContain('... and 7 more in the CSV and the JSON report.');
    expect(reportCsv(report(many), ';').split('\r\n')).toHaveLength(HTML_ROWS_SHOWN + 7 + 2);
  });

  it('an aborted run says where it stopped, first', () => {
    const aborted = reportHtml(report([], { status: 'aborted', listed: false, abort: { stage: 'listing the missing entries in Clearnox', kind: 'unreachable', message: 'Clearnox <unreachable>' } }));
    expect(aborted).toContain('Run ABORTED');
    expect(aborted).toContain('Stopped while listing the missing entries in Clearnox: Clearnox &lt;unreachable&gt;');
    expect(aborted).toContain('Nothing to look at');
  });
});

describe('writing them beside the JSON report', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-reports-'));
  });
  afterEach(async () => {
    clearSecrets();
    await rm(dir, { recursive: true, force: true });
  });

  it('names them after the JSON report, appending the extension when the name does not end in .json', () => {
    expect(reportFiles('/r/run-1.json')).toEqual({ json: path.resolve('/r/run-1.json'), csv: path.resolve('/r/run-1.csv'), html: path.resolve('/r/run-1.html') });
    expect(reportFiles('/r/run-1.JSON').csv).toBe(path.resolve('/r/run-1.csv'));
    expect(reportFiles('/r/run-1.txt')).toMatchObject({ json: path.resolve('/r/run-1.txt'), csv: path.resolve('/r/run-1.txt.csv'), html: path.resolve('/r/run-1.txt.html') });
  });

  it('writes the three, private, with the secrets masked in each', async () => {
    registerSecret('s3cr3t-value-99');
    const leaky = report([{ ...ROWS[1]!, reason: 'refused with s3cr3t-value-99' }]);
    const files = await writeReports(path.join(dir, 'run.json'), leaky, { csvSeparator: ',' });
    for (const file of [files.json, files.csv, files.html]) {
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain('s3cr3t-value-99');
      expect(text).toContain('refused with ***');
      if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    expect((await readFile(files.csv, 'utf8')).split('\r\n')[0]).toBe(`\uFEFF${CSV_COLUMNS.join(',')}`);
  });
});
