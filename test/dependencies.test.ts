// Every package the code loads is declared in package.json. One that comes only as another
// package's dependency works until that package changes its own (or npm places it elsewhere),
// and then fails on a fresh install, not here. The program's code (src/, adapters/) loads at run
// time only what `npm install --omit=dev` installs; a type-only import may name an @types package.
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, importsOf, packageOf, tsFiles } from './helpers/imports.js';

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
const PROGRAM_DIRS = ['src', 'adapters'];
// The vitest configurations found at the top, committed or a developer's own.
const CONFIGS = readdirSync(ROOT).filter((f) => /^vitest\.(.+\.)?config\.ts$/.test(f));
const FILES = [...tsFiles(...PROGRAM_DIRS, 'scripts', 'bench', 'test'), ...CONFIGS];

/** @types/pg for pg, @types/scope__name for @scope/name. */
const typesPackage = (name: string) => `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;

/** What is wrong with these imports, one line each, given what the manifest declares. */
export function undeclaredImports(files: readonly string[], m: Manifest, read: (file: string) => string = (f) => readFileSync(path.join(ROOT, f), 'utf8')): string[] {
  const runtime = new Set([...Object.keys(m.dependencies ?? {}), ...Object.keys(m.optionalDependencies ?? {})]);
  const any = new Set([...runtime, ...Object.keys(m.devDependencies ?? {})]);
  const problems: string[] = [];
  for (const file of files) {
    const program = PROGRAM_DIRS.some((d) => file.startsWith(`${d}/`));
    for (const { specifier, typeOnly, line } of importsOf(file, read(file))) {
      const at = `${file}:${line}`;
      // Node 24 lists the modules that exist only with the prefix (node:sea, node:sqlite) with it.
      if (!specifier.startsWith('node:') && builtinModules.includes(specifier.split('/')[0]!)) {
        problems.push(`${at}: "${specifier}" is a Node.js module: write "node:${specifier}"`);
        continue;
      }
      const name = packageOf(specifier);
      if (name === null) continue;
      if (typeOnly) {
        if (!any.has(name) && !any.has(typesPackage(name))) problems.push(`${at}: types of "${name}" are imported but neither ${name} nor ${typesPackage(name)} is in package.json (npm install --save-dev ${typesPackage(name)})`);
      } else if (program && !runtime.has(name)) {
        problems.push(`${at}: "${name}" is loaded by the program but is not in package.json's dependencies${any.has(name) ? ' (it is a devDependency, which a production install leaves out)' : ''} (npm install --save ${name})`);
      } else if (!any.has(name)) {
        problems.push(`${at}: "${name}" is imported but is not in package.json (npm install --save-dev ${name})`);
      }
    }
  }
  return problems;
}

describe('package.json declares what the code imports', () => {
  it('every package a file loads or takes types from', () => {
    expect(undeclaredImports(FILES, manifest)).toEqual([]);
  });

  it('reads the ways a module is named and says which file and package are wrong', () => {
    const files: Record<string, string> = {
      'src/a.ts': [
        "import knex from 'knex';",
        "import type { ConnectConfig } from 'ssh2';",
        "import { type Stats } from 'ssh2-streams';",
        "const t = await import('tedious/lib/connector.js');",
        "import fs from 'fs';",
        "import { x } from './b.js';",
        "import { vi } from 'vitest';",
        // Listed with its prefix in Node 24's builtinModules.
        "import { isSea } from 'node:sea';",
      ].join('\n'),
      'test/b.test.ts': "const r = createRequire(import.meta.url)('pg-connection-string');\nvi.doMock('@scope/pkg/sub', () => ({}));\ntype M = typeof import('@other/types-only');\n",
    };
    const problems = undeclaredImports(Object.keys(files), { dependencies: { knex: '1' }, devDependencies: { vitest: '3' } }, (f) => files[f]!);
    expect(problems).toEqual([
      'src/a.ts:2: types of "ssh2" are imported but neither ssh2 nor @types/ssh2 is in package.json (npm install --save-dev @types/ssh2)',
      'src/a.ts:3: types of "ssh2-streams" are imported but neither ssh2-streams nor @types/ssh2-streams is in package.json (npm install --save-dev @types/ssh2-streams)',
      'src/a.ts:4: "tedious" is loaded by the program but is not in package.json\'s dependencies (npm install --save tedious)',
      'src/a.ts:5: "fs" is a Node.js module: write "node:fs"',
      'src/a.ts:7: "vitest" is loaded by the program but is not in package.json\'s dependencies (it is a devDependency, which a production install leaves out) (npm install --save vitest)',
      'test/b.test.ts:1: "pg-connection-string" is imported but is not in package.json (npm install --save-dev pg-connection-string)',
      'test/b.test.ts:2: "@scope/pkg" is imported but is not in package.json (npm install --save-dev @scope/pkg)',
      'test/b.test.ts:3: types of "@other/types-only" are imported but neither @other/types-only nor @types/other__types-only is in package.json (npm install --save-dev @types/other__types-only)',
    ]);
    expect(undeclaredImports(['src/a.ts'], { dependencies: { knex: '1', tedious: '1', vitest: '1' }, devDependencies: { '@types/ssh2': '1', 'ssh2-streams': '1' } }, () => files['src/a.ts']!.replace("'fs'", "'node:fs'"))).toEqual([]);
  });
});
