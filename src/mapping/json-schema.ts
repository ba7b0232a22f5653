// The JSON Schema lets an editor (VS Code with the YAML extension) complete keys and flag mistakes
// while the mapping file is written. It is generated from the zod schema so the two cannot
// disagree, then loosened where a value may be a `${env:}`/`${file:}` reference.
import { z } from 'zod';
import { buildMappingSchema, type AdapterSets } from './schema.js';

type Json = { [key: string]: unknown };

// Case-insensitive by hand: JSON Schema patterns take no flags, and the loader accepts ${ENV:...}.
const REFERENCE_PATTERN = '\\$\\{\\s*([eE][nN][vV]|[fF][iI][lL][eE])\\s*:';
const REFERENCE: Json = {
  type: 'string',
  pattern: REFERENCE_PATTERN,
  description: 'A reference: ${env:NAME} (an environment variable) or ${file:PATH} (a file, relative to the mapping file).',
};

const SECTIONS: Record<string, string> = {
  clearnox: 'How to reach Clearnox, and which entries to look at.',
  source: 'The accounting database, read-only: `type` chooses how to reach it, `query` finds each document.',
  documents: 'Where the PDFs are: `type` chooses the kind of store.',
  match: 'How document numbers from Clearnox and from the database are compared.',
  upload: 'How the documents are packed and sent.',
};

export function mappingJsonSchema(adapters: AdapterSets): Json {
  const generated = z.toJSONSchema(buildMappingSchema(adapters), { io: 'input', target: 'draft-2020-12' }) as Json;
  const { $schema, ...body } = generated;
  const properties = body['properties'] as Record<string, Json>;
  for (const [key, text] of Object.entries(SECTIONS)) {
    if (properties[key] && !properties[key]['description']) properties[key] = { description: text, ...properties[key] };
  }
  return {
    $schema,
    title: 'clearnox-sync mapping file',
    description:
      'Tells clearnox-sync how to reach Clearnox, the accounting database and the PDFs. ' +
      'Secrets are written as ${env:NAME} or ${file:PATH}, never as themselves. ' +
      'In VS Code, put "# yaml-language-server: $schema=mapping.schema.json" on the first line of the mapping file.',
    ...(tolerateReferences(body) as Json),
  };
}

/** The file mappings/mapping.schema.json holds, byte for byte. */
export function renderMappingJsonSchema(adapters: AdapterSets): string {
  return `${JSON.stringify(mappingJsonSchema(adapters), null, 2)}\n`;
}

/**
 * A string with a format or pattern (a URL, a date) would be flagged when written as a reference,
 * though the loader resolves it before validating; a secret key is flagged unless it is one.
 */
function tolerateReferences(node: unknown, key?: string): unknown {
  if (Array.isArray(node)) return node.map((n) => tolerateReferences(n));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    // Children of `properties` are keyed by the mapping file's key names.
    out[k] = k === 'properties' ? mapValues(v as Json, tolerateReferences) : tolerateReferences(v);
  }
  if (out['type'] !== 'string') return out;
  if (key && /(password|passphrase|secret)$/i.test(key) && out['pattern'] === undefined) {
    return { ...out, pattern: REFERENCE_PATTERN };
  }
  if (out['format'] === undefined && out['pattern'] === undefined) return out;
  const { description, default: dflt, ...rest } = out;
  return { ...(description ? { description } : {}), ...(dflt !== undefined ? { default: dflt } : {}), anyOf: [rest, REFERENCE] };
}

function mapValues(obj: Json, f: (v: unknown, key: string) => unknown): Json {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, f(v, k)]));
}
