// Regenerates mappings/mapping.schema.json from the built-in adapters (`npm run schema`).
// A test fails when the committed file differs, so run this after changing any option.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinAdapters } from '../../adapters/index.js';
import { renderMappingJsonSchema } from './json-schema.js';

/** The folder holding package.json: the same from src/ (tests) and from dist/src/ (built). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above this script');
    dir = parent;
  }
  return dir;
}

const target = path.join(projectRoot(), 'mappings', 'mapping.schema.json');
await mkdir(path.dirname(target), { recursive: true });
await writeFile(target, renderMappingJsonSchema(builtinAdapters()), 'utf8');
console.log(`wrote ${target}`);
