import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import { mappingJsonSchema, renderMappingJsonSchema } from '../../src/mapping/json-schema.js';
import { ADAPTERS } from './fixtures.js';

type Schema = Record<string, unknown>;

/**
 * The JSON Schema keywords z.toJSONSchema emits for the mapping, checked the way an editor would;
 * no validator package is installed, and this subset is all the schema uses.
 */
function errors(schema: Schema, value: unknown, at = '$'): string[] {
  const out: string[] = [];
  const type = schema['type'];
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  if (type === 'object' && !isObject) return [`${at}: not an object`];
  if (type === 'string' && typeof value !== 'string') return [`${at}: not a string`];
  if (type === 'number' && typeof value !== 'number') return [`${at}: not a number`];
  if (type === 'integer' && !Number.isInteger(value)) return [`${at}: not an integer`];
  if (type === 'boolean' && typeof value !== 'boolean') return [`${at}: not a boolean`];
  if ('const' in schema && value !== schema['const']) out.push(`${at}: not ${JSON.stringify(schema['const'])}`);
  if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value as string)) out.push(`${at}: pattern`);
  if (typeof schema['minimum'] === 'number' && (value as number) < schema['minimum']) out.push(`${at}: minimum`);
  if (typeof schema['maximum'] === 'number' && (value as number) > schema['maximum']) out.push(`${at}: maximum`);
  if (typeof schema['minLength'] === 'number' && (value as string).length < schema['minLength']) out.push(`${at}: minLength`);
  if (schema['format'] === 'uri' && !URL.canParse(value as string)) out.push(`${at}: uri`);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key] as Schema[] | undefined;
    if (!options) continue;
    const passing = options.filter((o) => errors(o, value, at).length === 0).length;
    if (key === 'anyOf' ? passing === 0 : passing !== 1) out.push(`${at}: ${passing} of ${key} match`);
  }
  if (isObject) {
    const obj = value as Record<string, unknown>;
    const props = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const req of (schema['required'] ?? []) as string[]) if (!(req in obj)) out.push(`${at}.${req}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) out.push(...errors(props[k], v, `${at}.${k}`));
      else if (schema['additionalProperties'] === false) out.push(`${at}.${k}: not allowed`);
    }
  }
  return out;
}

const sample = {
  clearnox: { baseUrl: 'https://api.clearnox.test', clientId: 'c1', clientSecret: '${env:CLEARNOX_CLIENT_SECRET}' },
  source: { type: 'sqlite', path: 'erp.db', query: 'SELECT 1', pathColumn: 'file' },
  documents: { type: 'local', root: 'D:\\pdf' },
  upload: { dryRun: true },
};

describe('the published JSON Schema', () => {
  it('is the file write-schema.ts generates (run `npm run schema` after changing an option)', async () => {
    const committed = await readFile(new URL('../../mappings/mapping.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderMappingJsonSchema(builtinAdapters()));
  });

  it('is draft 2020-12 with a title, the sections, and defaults not required', () => {
    const schema = mappingJsonSchema(builtinAdapters());
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: expect.any(String) });
    expect(Object.keys(schema['properties'] as object)).toEqual(['version', 'clearnox', 'source', 'documents', 'match', 'upload', 'logs', 'report', 'alerts']);
    expect(schema['required']).toEqual(['clearnox', 'source', 'documents']);
    expect(errors(schema, sample)).toEqual([]);
  });

  it('accepts references where the value has a format, and demands them for secrets', () => {
    const schema = mappingJsonSchema(builtinAdapters());
    const clearnox = (ref: Record<string, unknown>) => ({ ...sample, clearnox: { ...sample.clearnox, ...ref } });
    expect(errors(schema, clearnox({ baseUrl: '${env:CLEARNOX_URL}', dateFrom: '${env:FROM}' }))).toEqual([]);
    expect(errors(schema, clearnox({ baseUrl: 'not a url' }))).not.toEqual([]);
    expect(errors(schema, clearnox({ dateFrom: '1/2/2024' }))).not.toEqual([]);
    expect(errors(schema, clearnox({ clientSecret: 'the-secret-itself' }))).toEqual(['$.clearnox.clientSecret: pattern']);
    // What init writes: a value of the local secret store.
    expect(errors(schema, clearnox({ clientSecret: '${secret:acme-clearnox-client-secret}' }))).toEqual([]);
  });

  it('lists each adapter type, with its own options', () => {
    const schema = mappingJsonSchema(ADAPTERS);
    const source = (schema['properties'] as Record<string, Schema>)['source']!;
    const types = (source['oneOf'] as Schema[]).map((o) => (o['properties'] as Record<string, Schema>)['type']!['const']);
    expect(types).toEqual(['fakesql', 'fakemssql']);
    const fake = { ...sample, source: { ...sample.source, type: 'fakesql' }, documents: { type: 'folder', root: 'x' } };
    expect(errors(schema, fake)).toEqual([]);
    expect(errors(schema, { ...fake, source: { ...fake.source, type: 'mysql' } })).toContain('$.source: 0 of oneOf match');
    expect(errors(schema, { ...fake, documents: { type: 'sftp', host: 'h', password: 'plain' } })).toContain('$.documents: 0 of oneOf match');
    expect(errors(schema, { ...fake, documents: { type: 'sftp', host: 'h', password: '${env:SFTP_PW}' } })).toEqual([]);
  });
});
