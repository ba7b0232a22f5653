// Plain words for what a key expects and what was written, read off the zod schema itself so that
// an adapter's options get the same wording as the core's without listing them here.
import { z } from 'zod';

/** The schema that validates the value at `at`, following the `type` of adapter sections. */
export function schemaAt(root: z.ZodType, data: unknown, at: readonly PropertyKey[]): z.ZodType | undefined {
  let schema: z.ZodType | undefined = root;
  let value = data;
  for (const seg of at) {
    schema = pickOption(unwrap(schema), value);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(seg)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else return undefined;
    value = isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  return schema && pickOption(unwrap(schema), value);
}

export function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable || s instanceof z.ZodPrefault) {
    s = s.unwrap() as z.ZodType;
  }
  return s;
}

/** For a union on `type`, the member the data selects (or the union when none does). */
function pickOption(schema: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  if (!(schema instanceof z.ZodUnion) || !isRecord(value)) return schema;
  const match = (schema.options as z.ZodType[]).find((o) => {
    const type = o instanceof z.ZodObject ? (o.shape as Record<string, z.ZodType>)['type'] : undefined;
    return type instanceof z.ZodLiteral && type.values.has(value['type'] as never);
  });
  return match ?? schema;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function valueAt(data: unknown, at: readonly PropertyKey[]): unknown {
  let v = data;
  for (const seg of at) {
    if (!isRecord(v) && !Array.isArray(v)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** What a schema accepts, e.g. "a whole number between 1 and 10000". */
export function describe(schema: z.ZodType | undefined): string {
  const s = unwrap(schema);
  if (s instanceof z.ZodNumber) return describeNumber(s);
  if (s instanceof z.ZodBoolean) return 'true or false';
  if (s instanceof z.ZodString) return 'text';
  if (s instanceof z.ZodLiteral) return [...s.values].map((v) => JSON.stringify(v)).join(' or ');
  if (s instanceof z.ZodEnum) return `one of ${s.options.map((v) => JSON.stringify(v)).join(', ')}`;
  if (s instanceof z.ZodObject || s instanceof z.ZodUnion) return 'a section (its keys indented on the lines below)';
  if (s instanceof z.ZodArray) return 'a list';
  return 'another kind of value';
}

interface Bound {
  value: number;
  inclusive: boolean;
}

function describeNumber(s: z.ZodNumber): string {
  let whole = false;
  let low: Bound | undefined;
  let high: Bound | undefined;
  for (const check of s._zod.def.checks ?? []) {
    const def = check._zod.def as { check: string; format?: string; value?: number; inclusive?: boolean };
    if (def.check === 'number_format' && /int/.test(def.format ?? '')) whole = true;
    // int() adds the safe-integer range; words like "at most 9007199254740991" would only confuse.
    if (def.value === undefined || Math.abs(def.value) >= Number.MAX_SAFE_INTEGER) continue;
    const bound = { value: def.value, inclusive: def.inclusive ?? true };
    if (def.check === 'greater_than' && (!low || bound.value > low.value)) low = bound;
    if (def.check === 'less_than' && (!high || bound.value < high.value)) high = bound;
  }
  const noun = whole ? 'a whole number' : 'a number';
  if (low?.inclusive && high?.inclusive) return `${noun} between ${low.value} and ${high.value}`;
  const words: string[] = [];
  if (low) words.push(low.inclusive ? `of at least ${low.value}` : `above ${low.value}`);
  if (high) words.push(high.inclusive ? `at most ${high.value}` : `below ${high.value}`);
  return [noun, words.join(' and ')].filter(Boolean).join(' ');
}

/** What was written, as a person would recognise it in the file. */
export function show(v: unknown): string {
  if (v === null) return 'nothing (no value after the colon)';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a section of keys';
  return String(v);
}

/** The allowed key that a mistyped one was most likely meant to be. */
export function closest(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const name of allowed) {
    const n = name.toLowerCase();
    let score = distance(k, n);
    if (score > Math.max(2, Math.floor(n.length / 3))) {
      // "template" for "pathTemplate", "sourceQuery" for "query"
      if (k.length >= 4 && (n.includes(k) || k.includes(n))) score = Math.abs(n.length - k.length);
      else continue;
    }
    if (!best || score < best.score) best = { name, score };
  }
  return best?.name;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
