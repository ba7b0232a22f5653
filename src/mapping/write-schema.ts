// Regenerates mappings/mapping.schema.json from the built-in adapters (`npm run schema`).
// A test fails when the committed file differs, so run this after changing any option.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { builtinAdapters } from '../../adapters/index.js';
import { installRoot } from '../install.js';
import { renderMappingJsonSchema } from './json-schema.js';

const target = path.join(installRoot(), 'mappings', 'mapping.schema.json');
await mkdir(path.dirname(target), { recursive: true });
await writeFile(target, renderMappingJsonSchema(builtinAdapters()), 'utf8');
console.log(`wrote ${target}`);
