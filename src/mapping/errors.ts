// The people who read these messages edit YAML in Notepad on a customer's server: each problem
// names the line and the key, and all problems are listed at once so that one edit fixes them all.
import path from 'node:path';
import { ClearnoxSyncError } from '../errors.js';
import { redact } from '../secrets.js';

export interface MappingProblem {
  /** Dotted key path such as `source.batchSize`; empty for the file as a whole. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export class MappingError extends ClearnoxSyncError {
  override readonly name = 'MappingError';
  readonly kind = 'config';
  readonly file: string;
  readonly problems: MappingProblem[];

  constructor(file: string, problems: MappingProblem[]) {
    // Redacted here, the one place every problem passes, so no code path can leak a secret.
    const clean = problems.map((p) => ({ ...p, message: redact(p.message) }));
    super(formatProblems(file, clean));
    this.file = file;
    this.problems = clean;
  }
}

function formatProblems(file: string, problems: MappingProblem[]): string {
  const name = path.win32.basename(file); // win32 basename splits on both / and \
  const head =
    problems.length === 1
      ? `The mapping file ${file} has a problem:`
      : `The mapping file ${file} has ${problems.length} problems:`;
  const lines = problems.map((p) => {
    const where = name + (p.line ? `:${p.line}` : '') + (p.line && p.column ? `:${p.column}` : '');
    return `${where} ${p.path ? `${p.path}: ` : ''}${p.message}`;
  });
  return [head, ...lines].join('\n');
}

/** `['source', 'batchSize']` -> `source.batchSize`; list items as `[2]`. */
export function dotted(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += (out ? '.' : '') + String(s);
  }
  return out;
}
