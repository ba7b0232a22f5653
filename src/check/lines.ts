// What `check` prints: one line per check, its mark, what was found, and under it what to do.
// The exit code is the worst failing check's, as a run's would be for the same failure.
import { EXIT, exitCodeOfKind, type ExitCode } from '../cli/exit-codes.js';
import type { ErrorKind } from '../errors.js';
import { redact } from '../secrets.js';

export type CheckStatus = 'ok' | 'fail' | 'warn';

export interface CheckLine {
  status: CheckStatus;
  /** What was checked: "Mapping file", "Database", "Document FA-1"... */
  title: string;
  /** What was found, in a sentence. */
  found: string;
  /** Lines shown under it: rows, paths, the line to add to the mapping file. */
  details?: string[];
  /** What to do, when there is something to do. */
  todo?: string;
  /** For a failed check: how a run would class the same failure (its exit code). */
  kind?: ErrorKind;
  /** For a failed check of one document (missing, not a PDF): the run would complete without it (exit 4). */
  document?: boolean;
}

export interface Marks {
  ok: string;
  fail: string;
  warn: string;
}

export const UNICODE_MARKS: Marks = { ok: '✔', fail: '✖', warn: '⚠' };
export const ASCII_MARKS: Marks = { ok: '[ok]', fail: '[FAIL]', warn: '[warn]' };

/**
 * ✔ ✖ ⚠ where the console can show them. Windows' own console (conhost) writes them in fonts
 * that lack them (a box), and a redirected output is read back in the OEM code page by cmd and
 * older PowerShell: there, only Windows Terminal and VS Code's terminal get them. Elsewhere the
 * locale says whether the terminal speaks UTF-8 (LANG=C does not).
 */
export function marksFor(opts: { platform: NodeJS.Platform; isTTY: boolean; env: NodeJS.ProcessEnv; ascii?: boolean }): Marks {
  if (opts.ascii) return ASCII_MARKS;
  const { env } = opts;
  if (opts.platform === 'win32') return opts.isTTY && (env.WT_SESSION !== undefined || env.TERM_PROGRAM === 'vscode') ? UNICODE_MARKS : ASCII_MARKS;
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale) ? UNICODE_MARKS : ASCII_MARKS;
}

const INDENT = '    ';

/** The line as printed, secrets masked: "✔ Database: ...", then its details and what to do, indented. */
export function formatLine(line: CheckLine, marks: Marks): string {
  const out = [`${marks[line.status]} ${line.title}: ${line.found}`];
  for (const d of line.details ?? []) out.push(`${INDENT}${d}`);
  if (line.todo) out.push(`${INDENT}-> ${line.todo}`);
  return redact(out.join('\n'));
}

// Of two failures, the one a person must act on first: a mapping file to correct, then a secret
// or a server to confirm, then an outage that may pass, then documents the run would skip.
const RANK: ExitCode[] = [EXIT.INTERNAL, EXIT.USAGE, EXIT.CREDENTIALS, EXIT.ABORTED, EXIT.UNDELIVERED];

export function exitCodeOfLine(line: CheckLine): ExitCode {
  if (line.status !== 'fail') return EXIT.OK;
  if (line.document) return EXIT.UNDELIVERED;
  return exitCodeOfKind(line.kind ?? 'internal');
}

/** 0 when nothing failed (warnings included), else the most pressing failure's code. */
export function checkExitCode(lines: CheckLine[]): ExitCode {
  const codes = new Set(lines.map(exitCodeOfLine));
  return RANK.find((code) => codes.has(code)) ?? EXIT.OK;
}

export function summaryOf(lines: CheckLine[]): string {
  const count = (s: CheckStatus) => lines.filter((l) => l.status === s).length;
  const failed = count('fail');
  const warned = count('warn');
  if (failed === 0 && warned === 0) return `All ${lines.length} checks passed.`;
  const parts = [`${count('ok')} passed`, ...(warned ? [`${warned} ${warned === 1 ? 'warning' : 'warnings'}`] : []), ...(failed ? [`${failed} failed`] : [])];
  return `${parts.join(', ')}.`;
}
