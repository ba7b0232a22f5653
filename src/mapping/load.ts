// Reads a mapping file into a validated Mapping, or throws one MappingError listing every problem
// with its line. References are resolved before validation so a URL or date held in an
// environment variable is checked like one written in the file.
import path from 'node:path';
import { isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { readRegularFile } from '../regular-file.js';
import type { SecretLookup } from '../secret-store/store.js';
import { dotted, MappingError, type MappingProblem } from './errors.js';
import { bindAdapters } from './bind.js';
import { isRecord, valueAt } from './describe.js';
import { DEFAULT_MESSAGE, translateIssue } from './issues.js';
import { locate } from './locate.js';
import { resolveReferences, type KeyPath, type PathProblem } from './references.js';
import { buildMappingSchema, type AdapterSets, type LoadedMapping, type Mapping } from './schema.js';
import { secretKindAt } from './secret-keys.js';

export { MappingError, type MappingProblem } from './errors.js';

export interface LoadOptions {
  /** Where `${env:NAME}` is looked up; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Where `${secret:NAME}` is read; the local secret store by default. */
  secrets?: SecretLookup;
}

export async function loadMapping(file: string, adapters: AdapterSets, opts: LoadOptions = {}): Promise<LoadedMapping> {
  // Absolute in messages: a scheduled task's working folder is rarely the one the person thinks of.
  const full = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(full);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'access denied'
          : code === 'EISDIR' || code === 'ENOTREG'
            ? (err as Error).message.replace(`${full} is `, 'it is ')
            : (code ?? String(err));
    throw new MappingError(full, [{ path: '', message: `cannot read the mapping file: ${reason}` }]);
  }
  return parseMapping(decode(bytes, full), full, adapters, opts);
}

/** Notepad saves UTF-8 with a BOM, "Unicode" as UTF-16 and "ANSI" as Windows-1252: take the first two, name the third. */
function decode(bytes: Buffer, full: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = bytes.toString('utf8');
    const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
    throw new MappingError(full, [
      {
        path: '',
        line,
        message: 'the file is not saved as UTF-8 (this line holds a character in another encoding, such as ANSI); in Notepad use File > Save As with Encoding: UTF-8',
      },
    ]);
  }
}

export async function parseMapping(text: string, file: string, adapters: AdapterSets, opts: LoadOptions = {}): Promise<LoadedMapping> {
  const full = path.resolve(file);
  const baseDir = path.dirname(full);
  const body = text.replace(/^\uFEFF/, '');
  const lines = new LineCounter();
  const doc = parseDocument(body, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // One mistake often yields several errors at the same spot; the first one says it best.
    const problems = doc.errors.map(syntaxProblem).filter((p, i, all) => all.findIndex((q) => q.line === p.line) === i);
    throw new MappingError(full, problems);
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new MappingError(full, [{ path: '', message: `the file is not valid YAML: ${(err as Error).message}` }]);
  }
  if (raw === null || raw === undefined) {
    throw new MappingError(full, [{ path: '', message: 'the file is empty; it needs at least the sections clearnox:, source: and documents:' }]);
  }
  if (!isRecord(raw)) {
    throw new MappingError(full, [{ path: '', line: 1, message: 'expected sections such as clearnox:, source: and documents: at the top level' }]);
  }

  const schema = buildMappingSchema(adapters);
  const refs = await resolveReferences(raw, { baseDir, env: opts.env ?? process.env, secrets: opts.secrets, secretAt: (at) => secretKindAt(schema, raw, at) });
  const result = schema.safeParse(refs.value, { error: () => DEFAULT_MESSAGE });

  const problems: PathProblem[] = [...refs.problems];
  // A key whose reference failed holds the unresolved text; what validation says about it is noise.
  const failed = refs.problems.map((p) => dotted(p.path));
  const quiet = (at: KeyPath) => failed.some((f) => dotted(at) === f || dotted(at).startsWith(`${f}.`));
  if (!result.success) {
    const ctx = {
      schema,
      data: refs.value,
      types: { source: adapters.databases.map((a) => a.type).sort(), documents: adapters.stores.map((a) => a.type).sort() },
      referenced: refs.referenced,
      sourceText: (at: KeyPath) => scalarText(doc, body, at),
    };
    for (const issue of result.error.issues) problems.push(...translateIssue(issue, ctx).filter((p) => !quiet(p.path)));
  }
  problems.push(...extraChecks(refs.value).filter((p) => !quiet(p.path) && !problems.some((q) => dotted(q.path) === dotted(p.path))));

  if (problems.length > 0 || !result.success) {
    const located: MappingProblem[] = problems.map((p) => ({ path: dotted(p.path), ...locate(doc, lines, p.path), message: p.message }));
    located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw new MappingError(full, located);
  }
  const mapping = result.data as Mapping;
  return { file: full, baseDir, mapping, secrets: refs.secrets, bound: bindAdapters(mapping, adapters) };
}

function syntaxProblem(err: { code: string; message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): MappingProblem {
  // The yaml library appends the offending line; it may hold a secret, and the line number says enough.
  const reason = err.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
  const hint =
    err.code === 'BAD_DQ_ESCAPE'
      ? ' (inside double quotes a backslash starts an escape: write Windows paths without quotes or in single quotes)'
      : err.code === 'TAB_AS_INDENT'
        ? ' (indent with spaces)'
        : err.code === 'BLOCK_AS_IMPLICIT_KEY'
          ? ' (check the indentation; a value holding ": " must be put in quotes)'
          : '';
  const pos = err.linePos?.[0];
  return { path: '', line: pos?.line, column: pos?.col, message: `not valid YAML: ${reason}${hint}` };
}

function scalarText(doc: Document, text: string, at: KeyPath): string | undefined {
  const node = doc.getIn(at, true);
  return isScalar(node) && node.range ? text.slice(node.range[0], node.range[1]) : undefined;
}

/** What the schema cannot say: a pattern that does not compile, a day that does not exist. */
function extraChecks(data: unknown): PathProblem[] {
  const problems: PathProblem[] = [];
  const pattern = valueAt(data, ['match', 'pattern']);
  if (typeof pattern === 'string') {
    try {
      new RegExp(pattern, 'u'); // the flag src/match/normalise.ts compiles it with
    } catch (err) {
      const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /s, '');
      problems.push({ path: ['match', 'pattern'], message: `is not a valid regular expression: ${reason}` });
    }
  }
  const days: Record<string, number> = {};
  for (const key of ['dateFrom', 'dateTo']) {
    const value = valueAt(data, ['clearnox', key]);
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) continue;
    const time = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) {
      problems.push({ path: ['clearnox', key], message: `${value} is not a day of the calendar; write it as YYYY-MM-DD` });
    } else days[key] = time;
  }
  if (days['dateFrom'] !== undefined && days['dateTo'] !== undefined && days['dateFrom'] > days['dateTo']) {
    problems.push({ path: ['clearnox', 'dateTo'], message: 'is before dateFrom; no entry can match' });
  }
  return problems;
}
