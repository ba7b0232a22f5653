// The JSON Schema lets an editor (VS Code with the YAML extension) complete keys and flag mistakes
// while the mapping file is written. It is generated from the zod schema so the two cannot
// disagree, then loosened where a value may be a `${env:}`/`${file:}`/`${secret:}` reference.
import { z } from 'zod';
import { buildMappingSchema, type AdapterSets } from './schema.js';
import { secretKindOf } from './secret-keys.js';

type Json = { [key: string]: unknown };

// Case-insensitive by hand: JSON Schema patterns take no flags, and the loader accepts ${ENV:...}.
const REFERENCE_PATTERN = '\\$\\{\\s*([eE][nN][vV]|[fF][iI][lL][eE]|[sS][eE][cC][rR][eE][tT])\\s*:';
const REFERENCE: Json = {
  type: 'string',
  pattern: REFERENCE_PATTERN,
  description: 'A reference: ${env:NAME} (an environment variable), ${file:PATH} (a file, relative to the mapping file) or ${secret:NAME} (the local secret store: clearnox-sync secret set NAME).',
};

const SECTIONS: Record<string, string> = {
  clearnox: 'How to reach Clearnox, and which entries to look at.',
  source: 'The accounting database, read-only: `type` chooses how to reach it, `query` finds each document.',
  documents: 'Where the PDFs are: `type` chooses the kind of store.',
  match: 'How document numbers from Clearnox and from the database are compared.',
  upload: 'How the documents are packed and sent.',
};

export function mappingJsonSchema(adapters: AdapterSets): Json {
  const generated = z.toJSONSchema(buildMappingSchema(adapters), {
    io: 'input',
    target: 'draft-2020-12',
    // A key marked secret by its schema is writeOnly, as JSON Schema says of a password.
    override: (ctx) => {
      if (secretKindOf(ctx.zodSchema as unknown as z.ZodType) === 'secret') (ctx.jsonSchema as Json)['writeOnly'] = true;
    },
  }) as Json;
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
      'Secrets are written as ${env:NAME}, ${file:PATH} or ${secret:NAME}, never as themselves. ' +
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
function tolerateReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map((n) => tolerateReferences(n));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = tolerateReferences(v);
  if (out['type'] !== 'string') return out;
  if (out['writeOnly'] === true && out['pattern'] === undefined) {
    return { ...out, pattern: REFERENCE_PATTERN };
  }
  if (out['format'] === undefined && out['pattern'] === undefined) return out;
  const { description, default: dflt, ...rest } = out;
  return { ...(description ? { description } : {}), ...(dflt !== undefined ? { default: dflt } : {}), anyOf: [rest, REFERENCE] };
}
