// Every secret resolved from a mapping file is registered here, and everything the tool writes
// for a person (logs, reports, error messages, the console) passes through `redact` or
// `redactValue`. Masking at the output is the one place a code path that builds a message cannot
// forget. Values are masked before they are serialised: once in JSON, a secret holding a quote, a
// backslash or a control character is written escaped and no longer looks like itself.
const secrets = new Set<string>();
/** Every written form of every secret, longest first; rebuilt when a secret is added. */
let forms: string[] | null = null;

export const MASK = '***';

// Very short values would mask ordinary words and numbers all over the output.
const SHORTEST = 4;

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < SHORTEST || secrets.has(value)) return;
  secrets.add(value);
  forms = null;
}

/**
 * The ways a secret shows in text: as itself, URL-encoded (a connection string, a form body as
 * URLSearchParams writes it; upper or lower case hex, `+` for spaces), URL-decoded (a password written encoded in a URL), and each
 * of these as JSON escapes it, for text already serialised by a library.
 */
function writtenForms(s: string): string[] {
  const out = new Set<string>([s]);
  const encoded = encodeURIComponent(s);
  out.add(encoded);
  out.add(encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
  out.add(encoded.replace(/%20/g, '+'));
  // A form body as URLSearchParams writes it (the token request's client_secret): ! ' ( ) ~ are
  // percent-encoded there, unlike in encodeURIComponent's form.
  const form = encoded.replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
  out.add(form);
  out.add(form.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
  try {
    out.add(decodeURIComponent(s.replace(/\+/g, ' ')));
    out.add(decodeURIComponent(s));
  } catch {
    // Not URL-encoded text (a lone %): its encoded forms above are enough.
  }
  for (const f of [...out]) out.add(JSON.stringify(f).slice(1, -1));
  return [...out].filter((f) => f.length >= SHORTEST);
}

function allForms(): string[] {
  forms ??= [...new Set([...secrets].flatMap(writtenForms))].sort((a, b) => b.length - a.length);
  return forms;
}

export function redact(text: string): string {
  if (secrets.size === 0 || !text) return text;
  // Every occurrence of every form is found on the original text and the spans merged, so a
  // secret that contains or overlaps another is masked whole, whatever order they were registered.
  const spans: [number, number][] = [];
  for (const f of allForms()) {
    for (let i = text.indexOf(f); i >= 0; i = text.indexOf(f, i + 1)) spans.push([i, i + f.length]);
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let at = 0;
  let end = -1;
  for (const [from, to] of spans) {
    if (from > end) {
      if (end >= 0) out += MASK;
      out += text.slice(at, from);
      end = to;
    } else end = Math.max(end, to);
    at = end;
  }
  return out + MASK + text.slice(at);
}

/**
 * A copy of a value with every registered secret masked in its strings (object keys included),
 * made before it is serialised. Errors stay errors (type, message, stack, own properties) so that
 * a logger's error serialiser still reads them; anything with toJSON is masked as it would be
 * written.
 */
export function redactValue<T>(value: T): T {
  if (secrets.size === 0) return value;
  return mask(value, new Map()) as T;
}

function mask(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(mask(item, seen));
    return out;
  }
  if (value instanceof Error) {
    const out = Object.create(Object.getPrototypeOf(value) as object) as Error;
    seen.set(value, out);
    for (const key of Object.getOwnPropertyNames(value)) {
      // `stack` is an accessor in some V8 versions: read it, keep it as plain data.
      const { enumerable } = Object.getOwnPropertyDescriptor(value, key)!;
      const v = (value as unknown as Record<string, unknown>)[key];
      Object.defineProperty(out, key, { value: mask(v, seen), enumerable, writable: true, configurable: true });
    }
    // What the class gives through getters (a DOMException's name, message and code, the reason of
    // an aborted signal) reads internal slots the copy lacks and would throw: read them here.
    for (let proto = Object.getPrototypeOf(value) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
        if (!d.get || Object.prototype.hasOwnProperty.call(out, key)) continue;
        let v: unknown;
        try {
          v = (value as unknown as Record<string, unknown>)[key];
        } catch {
          continue;
        }
        Object.defineProperty(out, key, { value: mask(v, seen), enumerable: d.enumerable ?? false, writable: true, configurable: true });
      }
    }
    return out;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return mask(toJSON.call(value), seen);
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) out[redact(k)] = mask(v, seen);
  return out;
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
  forms = null;
}
