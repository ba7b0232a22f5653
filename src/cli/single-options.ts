// Every option of the commands takes one value, but for the few that are lists (check --number);
// yargs turns a repeated one into a list.

/** Options meant to be given several times. */
const LIST_OPTIONS = new Set(['number']);

export interface RepeatedOption {
  name: string;
  values: string[];
}

/** Options given more than once, by their long name (aliases and camelCase copies left out). */
export function repeatedOptions(argv: Record<string, unknown>): RepeatedOption[] {
  const repeated: RepeatedOption[] = [];
  for (const [name, value] of Object.entries(argv)) {
    if (name === '_' || name === '$0' || name.length === 1 || /[A-Z]/.test(name) || LIST_OPTIONS.has(name)) continue;
    if (Array.isArray(value)) repeated.push({ name, values: value.map(String) });
  }
  return repeated;
}
