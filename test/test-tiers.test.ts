// The unit tier must run on a machine with no server and no root (a developer's Windows or macOS,
// the other Node versions), and `npm test` must still run every file: a test that starts using a
// server without joining the integration tier, or a list that keeps a file that no longer needs
// one, is caught here rather than on someone else's machine.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { configDefaults } from 'vitest/config';
import { describe, expect, it } from 'vitest';
import fullConfig from '../vitest.config.js';
import unitConfig from '../vitest.unit.config.js';
import { INTEGRATION_TESTS } from './integration-tests.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SERVICE_SETUPS = (fullConfig.test?.globalSetup as string[]).filter((f) => f !== 'test/global-setup.ts');

/** Modules that only make sense once the set-ups have run, and why. */
const SETUP_MADE: Record<string, string> = {
  ...Object.fromEntries(SERVICE_SETUPS.map((f) => [f, 'a server set-up'])),
  'test/services/local-service.ts': 'the test account the sshd and Samba set-ups create (switching to it needs root)',
  'test/services/apt.ts': 'Debian packages installed by the set-ups (apt, root)',
};

const testFiles = readdirSync(path.join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
  .map((f) => `test/${f.split(path.sep).join('/')}`)
  .filter((f) => f.endsWith('.test.ts'))
  .sort();

/** What this module itself needs from the set-ups (a server, Wine): what it injects, or a module of theirs. */
function ownNeed(file: string, source: ts.SourceFile): string | undefined {
  if (SETUP_MADE[file]) return SETUP_MADE[file];
  let need: string | undefined;
  const injectsFromVitest = source.statements.some(
    (s) =>
      ts.isImportDeclaration(s) &&
      ts.isStringLiteral(s.moduleSpecifier) &&
      s.moduleSpecifier.text === 'vitest' &&
      s.importClause?.namedBindings !== undefined &&
      ts.isNamedImports(s.importClause.namedBindings) &&
      s.importClause.namedBindings.elements.some((e) => (e.propertyName ?? e.name).text === 'inject'),
  );
  const visit = (node: ts.Node): void => {
    if (need) return;
    if (injectsFromVitest && ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'inject') {
      need = `inject(${node.arguments[0]?.getText(source) ?? ''}), what a global set-up provides`;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return need;
}

/** The test modules (under test/) this one imports, statically or dynamically. */
function testImports(file: string, text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((i) => i.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => path.posix.join(path.posix.dirname(file), s.replace(/\.js$/, '.ts')))
    .filter((f) => f.startsWith('test/'));
}

const parsed = new Map<string, { own: string | undefined; imports: string[] }>();
function parse(file: string): { own: string | undefined; imports: string[] } {
  let p = parsed.get(file);
  if (!p) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    p = { own: ownNeed(file, ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)), imports: testImports(file, text) };
    parsed.set(file, p);
  }
  return p;
}

/** The first chain of imports from this file to something only the set-ups provide, or undefined. */
function needOf(file: string, seen = new Set<string>()): string | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const { own, imports } = parse(file);
  if (own) return `${file}: ${own}`;
  for (const dep of imports) {
    const need = needOf(dep, seen);
    if (need) return `${file} -> ${need}`;
  }
  return undefined;
}

describe('test tiers', () => {
  it('puts every test file in exactly one tier, and npm test runs both', () => {
    expect(fullConfig.test?.include).toEqual(['test/**/*.test.ts']);
    expect(fullConfig.test?.exclude).toBeUndefined();
    expect(unitConfig.test?.include).toEqual(fullConfig.test?.include);
    expect(unitConfig.test?.exclude).toEqual([...configDefaults.exclude, ...INTEGRATION_TESTS]);
    expect(unitConfig.test?.globalSetup).toEqual(['test/global-setup.ts']);
    expect(new Set(INTEGRATION_TESTS).size, 'a file is listed twice in test/integration-tests.ts').toBe(INTEGRATION_TESTS.length);
    const unknown = INTEGRATION_TESTS.filter((f) => !testFiles.includes(f));
    expect(unknown, 'test/integration-tests.ts names files that are not test files (renamed or removed?)').toEqual([]);
  });

  it('keeps every file that needs a server, Wine or root out of the unit tier', () => {
    const misplaced = testFiles.filter((f) => !INTEGRATION_TESTS.includes(f)).flatMap((f) => needOf(f) ?? []);
    expect(misplaced, 'these need what only the global set-ups provide: add them to INTEGRATION_TESTS in test/integration-tests.ts').toEqual([]);
  });

  it('keeps no file in the integration tier that needs none of it', () => {
    const needless = INTEGRATION_TESTS.filter((f) => testFiles.includes(f) && !needOf(f));
    expect(needless, 'these need no server: remove them from test/integration-tests.ts, so that the unit tier runs them').toEqual([]);
  });
});
