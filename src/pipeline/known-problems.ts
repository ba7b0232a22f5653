// Which of a run's problems earlier runs already reported. A customer with a few broken files
// got exit code 4 every night and stopped looking; with the problems marked new or known, the
// exit code and the alerts can follow only what changed (report.problems), while every report
// still lists them all. The history lives in the state folder, one record per current problem:
// a problem that a completed run no longer has is forgotten, and is new again if it comes back.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { writeFileReplacing } from '../private-files.js';
import type { EntryResult } from './outcomes.js';
import { needsALook, problemCounts, type RunReport } from './report.js';

const ProblemRecordSchema = z.object({
  entryId: z.string(),
  outcome: z.string(),
  reasonCode: z.string(),
  firstReportedAt: z.string(),
});
export type ProblemRecord = z.infer<typeof ProblemRecordSchema>;

const HistorySchema = z.object({
  version: z.literal(1),
  /** Whose history it is: two mapping files of one name may share an upload.stateDir. */
  mappingFile: z.string(),
  problems: z.array(ProblemRecordSchema),
});

/** The history file of `mappingFile`, named after it as the other state files are (run-state.ts). */
export function historyFile(stateDir: string, mappingFile: string): string {
  return path.join(stateDir, `${path.basename(mappingFile)}.problems.json`);
}

// The same entry with another outcome or cause (the file found, now refused) is another problem.
function keyOf(r: { entryId: string; outcome: string; reasonCode: string }): string {
  return JSON.stringify([r.entryId, r.outcome, r.reasonCode]);
}

/**
 * Marks `rows` against `previous` and gives the history that follows. A completed run's history
 * is its problems alone; an aborted run only knows about the rows it reached, so the records of
 * the entries it did not reach (absent, or not_handled) are kept as they were.
 */
export function markProblems(
  rows: readonly EntryResult[],
  previous: readonly ProblemRecord[],
  opts: { at: string; completed: boolean },
): { rows: EntryResult[]; history: ProblemRecord[] } {
  const before = new Map(previous.map((r) => [keyOf(r), r]));
  const history: ProblemRecord[] = [];
  const reached = new Set<string>();
  const marked = rows.map((row) => {
    if (row.reasonCode !== 'not_handled') reached.add(row.entryId);
    if (!needsALook(row)) return row;
    const known = before.get(keyOf(row));
    const firstReportedAt = known?.firstReportedAt ?? opts.at;
    history.push({ entryId: row.entryId, outcome: row.outcome, reasonCode: row.reasonCode, firstReportedAt });
    return known ? { ...row, problem: 'known' as const, firstReportedAt } : { ...row, problem: 'new' as const };
  });
  if (!opts.completed) {
    const kept = new Set(history.map(keyOf));
    for (const r of previous) if (!reached.has(r.entryId) && !kept.has(keyOf(r))) history.push(r);
  }
  return { rows: marked, history };
}

/** One mapping file's history, read when the run ends (under its lock) and written by save(). */
export class ProblemHistory {
  private next: ProblemRecord[] | undefined;
  /** The problems this run is the first to report. */
  private fresh = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly mappingFile: string,
    private readonly log: Logger,
  ) {}

  /** The report with its problems marked, and counted; what save() writes unless it is a dry run. */
  mark(report: RunReport): RunReport {
    const { rows, history } = markProblems(report.entries, this.read(), { at: report.startedAt, completed: report.status !== 'aborted' });
    // A dry run changes nothing the next run finds: it reads the history, never writes it.
    this.next = report.dryRun ? undefined : history;
    this.fresh = new Set(rows.filter((r) => r.problem === 'new').map(keyOf));
    return { ...report, entries: rows, counts: { ...report.counts, ...problemCounts(rows) } };
  }

  /** Nobody could be told of this run's new problems (every alert failed): the next run tells them as new again. */
  untold(): void {
    this.next = this.next?.filter((r) => !this.fresh.has(keyOf(r)));
  }

  /** Writes what mark() found; a failure costs only problems told as new again, so it is only a warning. */
  async save(): Promise<void> {
    if (!this.next) return;
    // No problem left: no file, rather than an empty list in the state folder.
    if (this.next.length === 0) {
      await rm(this.file, { force: true }).catch(() => undefined);
      return;
    }
    const history: z.infer<typeof HistorySchema> = { version: 1, mappingFile: path.resolve(this.mappingFile), problems: this.next };
    try {
      await writeFileReplacing(this.file, JSON.stringify(history) + '\n');
    } catch (e) {
      this.log.warn(
        { file: this.file, err: (e as NodeJS.ErrnoException).code ?? (e as Error).message },
        `The list of reported problems could not be written to ${this.file}: the next run reports this run's problems as new again.`,
      );
    }
  }

  // Read at the end of the run, not its start: with the lock held, the last run's history is whole.
  private read(): ProblemRecord[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log.warn({ file: this.file, err: (e as NodeJS.ErrnoException).code }, `${this.file} cannot be read: every problem of this run is reported as new.`);
      }
      return [];
    }
    const parsed = HistorySchema.safeParse(safeJson(text));
    if (!parsed.success) {
      this.log.warn({ file: this.file }, `${this.file} is not a list of problems this program wrote: every problem of this run is reported as new, and the file replaced.`);
      return [];
    }
    // Another mapping file's entries are another account's: nothing of them is known here.
    if (!samePath(parsed.data.mappingFile, this.mappingFile)) return [];
    return parsed.data.problems;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// Windows' file names ignore case.
function samePath(a: string, b: string): boolean {
  return process.platform === 'win32' ? path.resolve(a).toLowerCase() === path.resolve(b).toLowerCase() : path.resolve(a) === path.resolve(b);
}
