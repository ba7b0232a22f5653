// Which keys of a mapping file hold secrets is said by the schema that declares them, as rclone
// marks an option sensitive: a new adapter's password is masked and refused as a literal because
// its options schema says it is one, whatever the key is called. Nothing is guessed from names.
import { z } from 'zod';
import { isRecord, unwrap } from './describe.js';

/**
 * `secret`: the whole value is a secret; it must be a `${env:}`/`${file:}` reference, and what
 * the reference gives is masked everywhere.
 * `connection-string`: a connection string; it is masked whole, and a password written in it
 * literally (`user:pass@`, `Password=`, `?password=`) is refused.
 */
export type SecretKind = 'secret' | 'connection-string';

const marks = z.registry<{ secret: SecretKind }>();

function mark<T extends z.ZodType>(schema: T, kind: SecretKind): T {
  // A copy, so that a schema shared with an ordinary key is not marked with it; zod's registries
  // follow copies, so `.describe()` or `.optional()` afterwards keep the mark.
  const marked = schema.clone() as T;
  marks.add(marked, { secret: kind });
  return marked;
}

/** A key holding a secret (a password, a client secret, a passphrase): write `secret(z.string().min(1))`. */
export function secret<T extends z.ZodType>(schema: T): T {
  return mark(schema, 'secret');
}

/** A key holding a connection string, which may hold a password among other settings. */
export function connectionString<T extends z.ZodType>(schema: T): T {
  return mark(schema, 'connection-string');
}

/** The mark of a schema, looking through optional, default and nullable. */
export function secretKindOf(schema: z.ZodType | undefined): SecretKind | undefined {
  let s = schema;
  while (s) {
    const found = marks.get(s);
    if (found) return found.secret;
    const inner = unwrap(s);
    if (inner === s) return undefined;
    s = inner;
  }
  return undefined;
}

/**
 * The mark of the key at `at` in a mapping file's data. In a section whose `type` selects no
 * member (a type not known, or written as a reference), a key marked in any member counts as
 * marked: a password under a mistyped `type` is still masked and still refused as a literal.
 */
export function secretKindAt(root: z.ZodType, data: unknown, at: readonly PropertyKey[]): SecretKind | undefined {
  let candidates: z.ZodType[] = [root];
  let value = data;
  for (const seg of at) {
    const next: z.ZodType[] = [];
    for (const c of candidates) {
      for (const s of members(c, value)) {
        if (s instanceof z.ZodObject) {
          const child = (s.shape as Record<string, z.ZodType>)[String(seg)];
          if (child) next.push(child);
        } else if (s instanceof z.ZodRecord) next.push(s.valueType as z.ZodType);
        else if (s instanceof z.ZodArray) next.push(s.element as z.ZodType);
      }
    }
    candidates = next;
    value = isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  const kinds = candidates.map(secretKindOf);
  return kinds.includes('secret') ? 'secret' : kinds.find((k) => k !== undefined);
}

/** The schemas a value may be validated by: a union's member chosen by `type`, or all of them. */
function members(schema: z.ZodType, value: unknown): z.ZodType[] {
  const s = unwrap(schema);
  if (!(s instanceof z.ZodUnion)) return s ? [s] : [];
  const options = s.options as z.ZodType[];
  const chosen = isRecord(value)
    ? options.filter((o) => {
        const type = o instanceof z.ZodObject ? (o.shape as Record<string, z.ZodType>)['type'] : undefined;
        return type instanceof z.ZodLiteral && type.values.has(value['type'] as never);
      })
    : [];
  return (chosen.length > 0 ? chosen : options).flatMap((o) => members(o, value));
}
