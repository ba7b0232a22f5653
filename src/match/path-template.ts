// `{{column}}` placeholders over the row the query returned, e.g. "{{year}}/{{documentNumber}}.pdf".
import { ClearnoxSyncError } from '../errors.js';

/** The path template names a column the row does not have: the mapping file must change. */
export class TemplateError extends ClearnoxSyncError {
  override readonly name = 'TemplateError';
  readonly kind = 'config';
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function templateColumns(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

export function renderPathTemplate(template: string, row: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    if (!(name in row)) {
      throw new TemplateError(
        `source.pathTemplate uses {{${name}}}, but the query returns no such column (it returns: ${Object.keys(row).join(', ')})`,
      );
    }
    const value = row[name];
    if (value === null || value === undefined) return '';
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    return String(value);
  });
}
