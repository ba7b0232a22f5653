// The key tables of README.md and docs/ are written from the same zod schemas as the mapping
// file's validation and its JSON Schema, so a key added, renamed or re-described cannot leave
// the documentation behind: `npm run schema` rewrites every region marked
//   <!-- generated: NAME -->  ...  <!-- end generated -->
// and a test fails when a committed region differs from what the schemas give.
// NAME is a section (`clearnox`, `source`, `documents`, `match`, `upload`), one adapter's own
// keys (`source.postgres`, `documents.sftp`), or `documents.index`.
import { z } from 'zod';
import { unwrap } from './describe.js';
import { buildMappingSchema, type AdapterSets } from './schema.js';
import { secretKindOf } from './secret-keys.js';

/** The documents holding generated key tables, relative to the repository's root. */
export const DOCUMENTS_WITH_KEY_TABLES = ['README.md', 'docs/databases.md', 'docs/document-stores.md'];

interface Row {
  key: string;
  schema: z.ZodType;
}

type Def = { type: string; [k: string]: unknown };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The rows of the table NAME stands for, or undefined when it names nothing. */
function tableRows(name: string, adapters: AdapterSets): Row[] | undefined {
  const root = buildMappingSchema(adapters) as unknown as z.ZodType;
  const sections = objectShape(root)!;
  const [section, member] = name.split('.') as [string, string | undefined];
  if (section !== 'source' && section !== 'documents') {
    if (member !== undefined || !sections[section]) return undefined;
    return rowsOf(objectShape(sections[section])!);
  }
  const list = section === 'source' ? adapters.databases : adapters.stores;
  const members = unionMembers(sections[section]!);
  if (member === undefined) return sharedRows(list, members);
  if (member === 'index' && section === 'documents') {
    const index = objectShape(members[0]!)!['index'];
    return index ? rowsOf(objectShape(index)!, 'index.') : undefined;
  }
  const adapter = list.find((a) => a.type === member);
  return adapter ? rowsOf(objectShape(adapter.optionsSchema as z.ZodType)!) : undefined;
}

/** `type`, then the keys the core adds to every adapter's own (`query`, `companies`, `index`, ...). */
function sharedRows(list: AdapterSets['databases'] | AdapterSets['stores'], members: z.ZodType[]): Row[] {
  const types = z.enum(list.map((a) => a.type) as [string, ...string[]]).describe(
    list.map((a) => `\`${a.type}\`: ${a.description.replace(/\.$/, '')}`).join('. ') + '.',
  );
  const rows: Row[] = [{ key: 'type', schema: types }];
  members.forEach((m, i) => {
    const own = objectShape(list[i]!.optionsSchema as z.ZodType)!;
    for (const [key, schema] of Object.entries(objectShape(m)!)) {
      if (key !== 'type' && !(key in own) && !rows.some((r) => r.key === key)) rows.push({ key, schema });
    }
  });
  return rows;
}

function rowsOf(shape: Record<string, z.ZodType>, prefix = ''): Row[] {
  return Object.entries(shape).map(([key, schema]) => ({ key: prefix + key, schema }));
}

function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  const s = unwrap(schema);
  return s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>) : undefined;
}

function unionMembers(schema: z.ZodType): z.ZodType[] {
  const s = unwrap(schema)!;
  return s instanceof z.ZodUnion ? (s.options as z.ZodType[]) : [s];
}

/** The Markdown table of NAME. */
export function renderTable(name: string, adapters: AdapterSets): string {
  const rows = tableRows(name, adapters);
  if (!rows) throw new Error(`<!-- generated: ${name} -->: no section or adapter of that name`);
  const lines = ['| Key | Type | Default | Meaning |', '| --- | --- | --- | --- |'];
  for (const { key, schema } of rows) {
    lines.push(`| \`${key}\` | ${typeOf(schema)} | ${defaultOf(schema)} | ${markdown(descriptionOf(schema))} |`);
  }
  return lines.join('\n');
}

const START = /^<!-- generated: ([\w.-]+) -->$/;
const END = '<!-- end generated -->';

/** The Markdown text with every generated region rewritten from the schemas. */
export function rewriteGenerated(text: string, adapters: AdapterSets): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = START.exec(lines[i]!);
    out.push(lines[i]!);
    if (!start) continue;
    const end = lines.indexOf(END, i + 1);
    const next = lines.findIndex((l, j) => j > i && START.test(l));
    if (end < 0 || (next >= 0 && next < end)) throw new Error(`${lines[i]} at line ${i + 1} has no ${END} after it`);
    out.push(...renderTable(start[1]!, adapters).split('\n'), END);
    i = end;
  }
  return out.join(eol);
}

/** The names of the regions a Markdown text holds. */
export function generatedRegions(text: string): string[] {
  return text.split(/\r?\n/).flatMap((l) => START.exec(l)?.[1] ?? []);
}

function descriptionOf(schema: z.ZodType): string {
  let s: z.ZodType | undefined = schema;
  while (s) {
    if (s.description) return s.description;
    const inner = unwrap(s);
    if (inner === s) break;
    s = inner;
  }
  return '';
}

/** What a key takes, in a few words; a secret says so, since it must be a reference. */
function typeOf(schema: z.ZodType): string {
  const kind = secretKindOf(schema);
  if (kind === 'secret') return 'secret: `${env:…}`, `${file:…}` or `${secret:…}`';
  if (kind === 'connection-string') return 'text (its password: a secret reference)';
  return valueType(unwrap(schema)!);
}

function valueType(s: z.ZodType): string {
  const def = defOf(s);
  switch (def.type) {
    case 'string':
      return (def as { format?: string }).format === 'url' ? 'URL' : 'text';
    case 'number':
      return numberType(s);
    case 'boolean':
      return '`true`, `false`';
    case 'enum':
      return (s as z.ZodEnum).options.map((v) => `\`${String(v)}\``).join(', ');
    case 'literal':
      return [...(s as z.ZodLiteral).values].map((v) => `\`${String(v)}\``).join(', ');
    case 'union':
      return (s as z.ZodUnion).options.map((o) => valueType(unwrap(o as z.ZodType)!)).join(', or ');
    case 'array':
      return `list of ${valueType(unwrap((s as z.ZodArray).element as z.ZodType)!)}`;
    case 'record':
      return `map of ${valueType(unwrap((s as z.ZodRecord).valueType as z.ZodType)!)}`;
    case 'object':
      return 'section';
    case 'never':
      return 'not used';
    default:
      return def.type;
  }
}

function numberType(s: z.ZodType): string {
  let whole = false;
  let low: { value: number; inclusive: boolean } | undefined;
  let high: { value: number; inclusive: boolean } | undefined;
  for (const check of (defOf(s)['checks'] ?? []) as z.ZodType[]) {
    const def = defOf(check) as unknown as { check: string; format?: string; value?: number; inclusive?: boolean };
    if (def.check === 'number_format' && /int/.test(def.format ?? '')) whole = true;
    if (def.value === undefined || Math.abs(def.value) >= Number.MAX_SAFE_INTEGER) continue;
    const bound = { value: def.value, inclusive: def.inclusive ?? true };
    if (def.check === 'greater_than' && (!low || bound.value > low.value)) low = bound;
    if (def.check === 'less_than' && (!high || bound.value < high.value)) high = bound;
  }
  const noun = whole ? 'whole number' : 'number';
  if (low?.inclusive && high?.inclusive) return `${noun}, ${low.value}-${high.value}`;
  const bounds = [low && `${low.inclusive ? '≥' : '>'} ${low.value}`, high && `${high.inclusive ? '≤' : '<'} ${high.value}`].filter(Boolean);
  return bounds.length > 0 ? `${noun}, ${bounds.join(', ')}` : noun;
}

/** The default written as in the mapping file; `required` for a key that has none and must be given. */
function defaultOf(schema: z.ZodType): string {
  let s: z.ZodType | undefined = schema;
  while (s) {
    if (s instanceof z.ZodDefault) {
      const value = (s as unknown as { _zod: { def: { defaultValue: unknown } } })._zod.def.defaultValue;
      return typeof value === 'object' ? '' : `\`${String(value)}\``;
    }
    if (s instanceof z.ZodOptional) return '';
    const inner = unwrap(s);
    if (inner === s) break;
    s = inner;
  }
  return 'required';
}

/**
 * A description is plain text (an editor shows it as it is); in a table cell, the characters
 * Markdown would read as markup are escaped, outside the `code` a description may hold.
 */
export function markdown(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part.replace(/\|/g, '\\|') : part.replace(/[\\|*<$]|\](?=[([])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\$&')))
    .join('');
}
