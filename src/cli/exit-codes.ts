// Task Scheduler shows only the number ("Last Run Result"), so each thing an administrator must
// do gets its own: nothing (0, 3), send the log (1), correct the mapping file or command line (2),
// look at the report (4), correct a secret or confirm a server (5).
import type { ErrorKind } from '../errors.js';
import type { ProblemPolicy } from '../mapping/sections/report.js';
import type { RunReport } from '../pipeline/report.js';
import { undelivered } from '../pipeline/report.js';

export const EXIT = {
  /** The run completed; entries not found in the ERP are normal. */
  OK: 0,
  /** An unexpected internal error (a bug): the log file has the details. */
  INTERNAL: 1,
  /** The command line or the mapping file is wrong: nothing was done. */
  USAGE: 2,
  /**
   * The run stopped for a reason that needs no change: Clearnox, the database or the document
   * store unreachable, another run of the same mapping file in progress, a stop request. The
   * next run goes on.
   */
  ABORTED: 3,
  /**
   * The run completed but some documents found in the ERP could not be delivered: with
   * report.problems "new" (the default) only when one of them is a problem no earlier run reported.
   */
  UNDELIVERED: 4,
  /**
   * A server refused the credentials (Clearnox, the database, SFTP, SMB) or could not prove its
   * identity (SFTP host key not pinned or changed, a certificate that does not verify): a person
   * must correct a secret or confirm the server; repeating will not help.
   */
  CREDENTIALS: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The codes as --help tells them (the README's table says the same at length). */
export const EXIT_CODES_HELP =
  `Exit codes: ${EXIT.OK} completed · ${EXIT.INTERNAL} internal error (a bug: send the log) · ` +
  `${EXIT.USAGE} command line or mapping file wrong, nothing done · ` +
  `${EXIT.ABORTED} stopped for a reason that needs no change (Clearnox, database or documents unreachable, another run of the same mapping file in progress, stop requested): the next run goes on · ` +
  `${EXIT.UNDELIVERED} completed, some documents not delivered (see the report; with report.problems: new, the default, only when a problem is new) · ` +
  `${EXIT.CREDENTIALS} credentials refused (Clearnox, database, SFTP, SMB) or a server's identity not verified (SFTP host key, certificate): correct the secret or confirm the server.`;

// The one table from what stopped a run or a command to its exit code: a run's report and an
// error escaping a command read it alike, so the two cannot disagree.
const BY_KIND: Record<ErrorKind, ExitCode> = {
  config: EXIT.USAGE,
  credentials: EXIT.CREDENTIALS,
  untrusted: EXIT.CREDENTIALS,
  unreachable: EXIT.ABORTED,
  refused: EXIT.ABORTED,
  interrupted: EXIT.ABORTED,
  busy: EXIT.ABORTED,
  internal: EXIT.INTERNAL,
};

export function exitCodeOfKind(kind: ErrorKind): ExitCode {
  return BY_KIND[kind];
}

/**
 * `problems` is the mapping file's report.problems: "new" leaves out the problems an earlier run
 * already reported (every one of them is a document not delivered), so that a file missing for a
 * month does not turn every night's result to 4 until no one looks at it any more.
 */
export function exitCodeFor(report: RunReport, problems: ProblemPolicy = 'new'): ExitCode {
  if (report.abort) return exitCodeOfKind(report.abort.kind);
  const raised = undelivered(report.counts) - (problems === 'new' ? report.counts.knownProblems : 0);
  return raised > 0 ? EXIT.UNDELIVERED : EXIT.OK;
}
