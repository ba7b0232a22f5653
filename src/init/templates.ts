// The ERP templates shipped in mappings/templates/: what init offers to start from.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { installRoot } from '../install.js';

export interface Template {
  name: string;
  file: string;
  /** The first line of its opening comment: which ERP, on which database. */
  summary: string;
}

export function templatesFolder(): string {
  return path.join(installRoot(), 'mappings', 'templates');
}

/** The installed JSON Schema, as a file URL an editor finds from wherever the mapping file is. */
export function installedSchemaFile(): string {
  return path.join(installRoot(), 'mappings', 'mapping.schema.json');
}

export async function listTemplates(folder = templatesFolder()): Promise<Template[]> {
  const names = (await readdir(folder)).filter((f) => f.endsWith('.yaml')).sort();
  const out: Template[] = [];
  for (const f of names) {
    const file = path.join(folder, f);
    const text = await readFile(file, 'utf8');
    const summary = text
      .split(/\r?\n/)
      .filter((l) => l.startsWith('#') && !l.includes('yaml-language-server'))
      .map((l) => l.replace(/^#\s?/, '').trim())
      .find((l) => l !== '');
    out.push({ name: f.replace(/\.yaml$/, ''), file, summary: summary ?? '' });
  }
  return out;
}
