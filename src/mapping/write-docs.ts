// Rewrites the key tables of README.md and docs/ from the options schemas (`npm run schema`).
// A test fails when a committed table differs, so run this after changing any option.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { builtinAdapters } from '../../adapters/index.js';
import { installRoot } from '../install.js';
import { DOCUMENTS_WITH_KEY_TABLES, rewriteGenerated } from './key-tables.js';

for (const file of DOCUMENTS_WITH_KEY_TABLES) {
  const target = path.join(installRoot(), file);
  const before = await readFile(target, 'utf8');
  const after = rewriteGenerated(before, builtinAdapters());
  if (after !== before) await writeFile(target, after, 'utf8');
  console.log(`${after === before ? 'unchanged' : 'wrote'} ${target}`);
}
