// Task Scheduler shows only the number ("Last Run Result"), so each cause gets its own.
export const EXIT = {
  /** The run completed; entries not found in the ERP are normal. */
  OK: 0,
  /** An unexpected internal error (a bug): the log file has the details. */
  INTERNAL: 1,
  /** The command line or the mapping file is wrong: nothing was done. */
  USAGE: 2,
  /** The run stopped: Clearnox, the database or the document store unreachable, or credentials refused. */
  ABORTED: 3,
  /** The run completed but some documents found in the ERP could not be delivered. */
  UNDELIVERED: 4,
} as const;
