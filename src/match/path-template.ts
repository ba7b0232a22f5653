// `{{column}}` placeholders over the row the query returned, e.g. "{{year}}/{{documentNumber}}.pdf".
export class TemplateError extends Error {}

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
