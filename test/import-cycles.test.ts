// No module of the program (src/, adapters/) imports itself back through others. A cycle makes
// the order modules load in decide what an import sees (undefined at first, in a bundle too),
// and it is the sign of a module holding what belongs elsewhere: a mapping section's schema lives
// with the mapping, what the run does with it in the pipeline. Type-only imports count too: they
// are erased at run time, but the dependency they state is the same.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, importsOf, tsFiles } from './helpers/imports.js';

/** The cycles a depth-first walk meets (one at least, whenever there is any), each once, from its smallest module: `a -> b -> a`. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next));
        const start = loop.indexOf([...loop].sort()[0]!);
        const rotated = [...loop.slice(start), ...loop.slice(0, start)];
        cycles.add([...rotated, rotated[0]].join(' -> '));
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return [...cycles].sort();
}

/** The program's modules and the modules of it each one imports (relative specifiers, .js written for .ts). */
function programGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles('src', 'adapters')) {
    const targets = importsOf(file)
      .filter((i) => i.specifier.startsWith('.'))
      .map((i) => path.posix.join(path.posix.dirname(file), i.specifier).replace(/\.js$/, '.ts'))
      .map((f) => (existsSync(path.join(ROOT, f)) ? f : f.replace(/\.ts$/, '.d.ts')));
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

describe('import cycles', () => {
  it('none among the modules of src/ and adapters/', () => {
    expect(importCycles(programGraph())).toEqual([]);
  });

  it('finds a cycle however long, and names each once', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c', 'd']],
      ['c', ['a']],
      ['d', ['d']],
      ['e', ['a']],
    ]);
    expect(importCycles(graph)).toEqual(['a -> b -> c -> a', 'd -> d']);
    expect(importCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });
});
