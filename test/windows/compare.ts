// The one comparison both runs use: vitest here, and the runner that the Windows node.exe starts
// (which has no vitest). Expected values are JSON-like; a RegExp stands for a string it matches.

export type Expected = unknown;

/** null when `actual` matches `expected`, else where and how they differ. */
export function difference(actual: unknown, expected: Expected, at = '$'): string | null {
  if (expected instanceof RegExp) {
    return typeof actual === 'string' && expected.test(actual) ? null : `${at}: ${show(actual)} does not match ${expected}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at}: ${show(actual)} is not an array`;
    if (actual.length !== expected.length) return `${at}: ${actual.length} items, not ${expected.length}: ${show(actual)}`;
    for (const [i, e] of expected.entries()) {
      const d = difference(actual[i], e, `${at}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return `${at}: ${show(actual)} is not an object`;
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of keys) {
      const d = difference((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(actual, expected) ? null : `${at}: ${show(actual)}, expected ${show(expected)}`;
}

function show(v: unknown): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}
