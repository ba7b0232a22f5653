// The modules a TypeScript file names, read from its syntax tree: static and dynamic imports,
// re-exports, `typeof import()`, `import x = require()`, require() and createRequire()() calls,
// and the module vi.mock()/vi.doMock() replace. Used by the tests that check the dependencies
// package.json declares and that no import cycle forms.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ModuleImport {
  specifier: string;
  /** Erased when compiled: `import type`, `export type`, or every name imported is a type. */
  typeOnly: boolean;
  line: number;
}

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The .ts files under `dirs` (paths relative to the repository, with /). */
export function tsFiles(...dirs: string[]): string[] {
  return dirs
    .flatMap((dir) =>
      readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
        .map((f) => `${dir}/${f.split(path.sep).join('/')}`)
        .filter((f) => f.endsWith('.ts') && !f.includes('/node_modules/')),
    )
    .sort();
}

export function importsOf(file: string, text = readFileSync(path.join(ROOT, file), 'utf8')): ModuleImport[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: ModuleImport[] = [];
  const add = (node: ts.Node, spec: ts.Node | undefined, typeOnly: boolean) => {
    if (spec && ts.isStringLiteralLike(spec)) {
      found.push({ specifier: spec.text, typeOnly, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const everyNameAType =
        clause !== undefined && clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, clause?.isTypeOnly === true || everyNameAType);
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause;
      const everyNameAType = named !== undefined && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || everyNameAType);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const callee = node.expression;
      const loads =
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(callee) && callee.text === 'require') ||
        // createRequire(import.meta.url)('x')
        (ts.isCallExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'createRequire') ||
        (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'vi' && /^(do)?[mM]ock$/.test(callee.name.text));
      if (loads) add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The package a bare specifier loads (`@scope/name` or `name`); null for a relative path or a node: builtin. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
