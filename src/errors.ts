// One model for the failures the program expects: each says what kind of failure it is, and the
// kind alone decides the exit code (the table in src/cli/exit-codes.ts). An error of any other
// class is a bug and ends as one (exit 1). Classification reads `kind`, never the message, and
// each class writes its own name, so logs and exit codes survive a bundler renaming a class or a
// second copy of a module.

/** What stopped a run or a command, as the report and the exit code tell it. */
export const ERROR_KINDS = ['config', 'credentials', 'untrusted', 'unreachable', 'refused', 'interrupted', 'busy', 'internal'] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export function isErrorKind(value: unknown): value is ErrorKind {
  return (ERROR_KINDS as readonly unknown[]).includes(value);
}

export abstract class ClearnoxSyncError extends Error {
  abstract readonly kind: ErrorKind;
}

/**
 * A setting of the mapping file cannot work as given (a folder this account may not write): the
 * file must change, so the run ends as a configuration error (exit 2) rather than an outage. The
 * core throws it for its own settings (`upload.workDir`, `upload.stateDir`); adapters throw
 * AdapterConfigError for theirs.
 */
export class ConfigError extends ClearnoxSyncError {
  override readonly name: string = 'ConfigError';
  readonly kind = 'config';
}
