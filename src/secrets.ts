// Every secret resolved from a mapping file is registered here, and everything the tool writes
// for a person (logs, reports, error messages) passes through `redact`. Masking at the output is
// the one place that cannot be forgotten by a code path that builds a message.
const secrets = new Set<string>();

export const MASK = '***';

export function registerSecret(value: string | undefined | null): void {
  // Very short values would mask ordinary words and numbers all over the output.
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join(MASK);
    const encoded = encodeURIComponent(s);
    if (encoded !== s && out.includes(encoded)) out = out.split(encoded).join(MASK);
  }
  return out;
}

/** Deep copy of a JSON-like value with every registered secret masked in its strings. */
export function redactValue<T>(value: T): T {
  if (secrets.size === 0) return value;
  return JSON.parse(redact(JSON.stringify(value))) as T;
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
}
