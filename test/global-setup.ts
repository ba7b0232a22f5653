// The CLI tests run the compiled program, as an integrator does; compile it once per test run.
// Type errors do not stop the tests here (tsc still emits): `npm test` type-checks first, and a
// half-edited file elsewhere in the tree should not hide every other result.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..');
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  if (tsc.status !== 0) process.stderr.write(`tsc reported problems (the tests go on with what it emitted):\n${tsc.stdout}${tsc.stderr}`);
  if (!existsSync(path.join(root, 'dist/src/cli/main.js'))) throw new Error('the build produced no dist/src/cli/main.js');
}
