// Reads the entries a sandbox starts with from a JSON file written by an integrator.
import { readFile } from 'node:fs/promises';
import { EntrySchema, type Entry } from '../clearnox/contract.js';
import { issueText } from './store.js';

/**
 * The file holds an array of entries or `{"entries": [...]}`. Each is checked against the contract
 * so that a typo is reported with where it is, not discovered later as an odd API answer.
 */
export async function loadSandboxEntries(file: string): Promise<Entry[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read the sandbox entries: ${(err as Error).message}`);
  }
  const where = Array.isArray(json) ? '' : 'entries';
  const list = Array.isArray(json) ? json : (json as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list)) throw new Error(`${file}: expected an array of entries or {"entries": [...]}`);
  const seen = new Set<string>();
  return list.map((item: unknown, index) => {
    const at = where ? `${where}[${index}]` : `[${index}]`;
    const parsed = EntrySchema.safeParse(item);
    if (!parsed.success) throw new Error(`${file}: entry ${at} is invalid: ${parsed.error.issues.map(issueText).join('; ')}`);
    if (seen.has(parsed.data.id)) throw new Error(`${file}: entry ${at}: id "${parsed.data.id}" appears twice`);
    seen.add(parsed.data.id);
    return parsed.data;
  });
}
