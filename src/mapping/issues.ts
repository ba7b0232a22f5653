// zod's messages are written for developers ("Invalid input: expected number, received string");
// the people fixing a mapping file need to know which key, what it wants and what they wrote.
import { z } from 'zod';
import { closest, describe, isRecord, schemaAt, show, unwrap, valueAt } from './describe.js';
import type { KeyPath, PathProblem } from './references.js';
import { secretKindAt } from './secret-keys.js';

/** Given to safeParse as the error map: any other message is one the schema's author wrote. */
export const DEFAULT_MESSAGE = '\u0000default';

export interface IssueContext {
  schema: z.ZodType;
  data: unknown;
  /** Registered adapter types, for messages about `type`. */
  types: { source: string[]; documents: string[] };
  /** Dotted paths whose value came from a reference. */
  referenced: Set<string>;
  /** The value as written in the YAML text, for quoting hints. */
  sourceText(at: KeyPath): string | undefined;
}

export function translateIssue(issue: z.core.$ZodIssue, ctx: IssueContext): PathProblem[] {
  const at = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const one = (message: string): PathProblem[] => [{ path: at, message }];
  const value = valueAt(ctx.data, at);
  const custom = issue.message !== DEFAULT_MESSAGE ? issue.message : undefined;
  const expected = () => custom ?? describe(schemaAt(ctx.schema, ctx.data, at));
  // What a secret key holds is never quoted back, even when it is not the secret itself.
  const secret = secretKindAt(ctx.schema, ctx.data, at) !== undefined;
  const got = () => (secret ? '' : `, got ${show(value)}`);

  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...at, key], message: unknownKey(key, at, ctx) }));
    case 'invalid_union':
      if (issue.discriminator) return one(adapterType(at, value, ctx) ?? 'does not match any allowed form');
      return one(`expected ${expected()}${got()}`);
    case 'invalid_value':
      if (at.length === 1 && at[0] === 'version') return one(`expected 1, the only mapping-file version this tool reads${got()}`);
      return one(adapterType(at, value, ctx) ?? `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}${got()}`);
    case 'invalid_type':
      if (value === undefined) return one(missing(at, ctx));
      return one(`expected ${expected()}${got()}${secret ? '' : typeHint(issue.expected, at, value, ctx)}`);
    case 'too_small':
    case 'too_big':
      if (issue.origin === 'string') {
        if (issue.code === 'too_small' && Number(issue.minimum) === 1) return one('must not be empty');
        return one(custom ?? `expected ${issue.code === 'too_small' ? 'at least' : 'at most'} ${issue.code === 'too_small' ? issue.minimum : issue.maximum} characters`);
      }
      return one(`expected ${expected()}${got()}`);
    case 'invalid_format':
      return one(`expected ${custom ?? formatWords(issue.format)}${got()}`);
    case 'custom':
      return one(`${custom ?? 'is not valid'}${pathKeysDetail(at, value)}`);
    default:
      return one(custom ?? `is not valid (${issue.code})`);
  }
}

function unknownKey(key: string, at: KeyPath, ctx: IssueContext): string {
  const section = unwrap(schemaAt(ctx.schema, ctx.data, at));
  const allowed = section instanceof z.ZodObject ? Object.keys(section.shape) : [];
  // `type` first: it decides which other keys a source or document store takes.
  const ordered = allowed.includes('type') ? ['type', ...allowed.filter((k) => k !== 'type')] : allowed;
  const guess = closest(key, ordered);
  const where = at.length ? `in ${at.join('.')}` : 'at the top level';
  return (
    `unknown key "${key}"` +
    (guess ? `; did you mean ${guess}?` : '.') +
    (ordered.length ? ` The keys allowed ${where} are: ${ordered.join(', ')}` : '')
  );
}

function adapterKind(at: KeyPath): 'source' | 'documents' | undefined {
  if (at.length === 2 && at[1] === 'type' && (at[0] === 'source' || at[0] === 'documents')) return at[0];
  return undefined;
}

function adapterType(at: KeyPath, value: unknown, ctx: IssueContext): string | undefined {
  const kind = adapterKind(at);
  if (!kind) return undefined;
  const what = kind === 'source' ? 'database' : 'document store';
  const list = ctx.types[kind].join(', ');
  if (value === undefined) return `missing; say which kind of ${what} this is with type: one of ${list}`;
  return `${show(value)} is not a known ${what} type; the types are: ${list}`;
}

function missing(at: KeyPath, ctx: IssueContext): string {
  const kind = adapterKind(at);
  if (kind) return adapterType(at, undefined, ctx)!;
  const schema = schemaAt(ctx.schema, ctx.data, at);
  if (at.length === 1) return `the section ${String(at[0])}: is missing; add it`;
  const note = schema?.description ? ` (${schema.description})` : '';
  return `required but missing; expected ${describe(schema)}${note}`;
}

function typeHint(expected: string, at: KeyPath, value: unknown, ctx: IssueContext): string {
  if (ctx.referenced.has(at.join('.')) && expected !== 'string') {
    return '; a ${env:} or ${file:} reference always gives text, so write the value itself here';
  }
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    // YAML reads 00123 as the number 123 and yes-like words as booleans; quotes keep the text.
    const text = ctx.sourceText(at) ?? String(value);
    return `; YAML reads ${text} as ${typeof value === 'number' ? 'a number' : 'true/false'}, write it in quotes: "${text}"`;
  }
  return '';
}

function formatWords(format: string): string {
  if (format === 'url') return 'a web address (URL)';
  if (format === 'regex') return 'text in the expected form';
  return `a valid ${format}`;
}

/** The source's refine says "exactly one of"; say which way it was broken. */
function pathKeysDetail(at: KeyPath, value: unknown): string {
  if (at.length !== 1 || at[0] !== 'source' || !isRecord(value)) return '';
  const column = value['pathColumn'] !== undefined;
  const template = value['pathTemplate'] !== undefined;
  if (column && template) return '; both are given, keep one';
  if (!column && !template) return '; neither is given';
  return '';
}
