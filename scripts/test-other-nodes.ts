// The npm route runs on whatever Node the integrator installed: `npm test` runs the whole suite on
// this machine's Node, and this runs the demo and the unit tier (vitest.unit.config.ts: no server,
// no root) on the other supported versions, with the pinned binaries from the npm registry.
// `npm run test:nodes`; exits 1 when anything failed on any of them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeBinary } from './node-binary.js';
import { ROOT } from './root.js';

const MAJORS = [22, 24] as const;
const MINUTE = 60_000;

interface Outcome {
  ok: boolean;
  says: string;
}

function exited(what: string, result: ReturnType<typeof spawnSync>): Outcome | undefined {
  if (result.error) return { ok: false, says: `${what} did not run: ${result.error.message}` };
  if (result.signal) return { ok: false, says: `${what} was stopped by ${result.signal}` };
  if (result.status !== 0) return { ok: false, says: `${what} exited with ${result.status}` };
  return undefined;
}

/** The demo as an integrator runs it first: exit code 0, and both reports saying what it promises. */
function demo(node: string, env: NodeJS.ProcessEnv): Outcome {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cnx-demo-node-'));
  try {
    const result = spawnSync(node, ['dist/src/cli/main.js', 'demo', '--dir', dir], { cwd: ROOT, env, stdio: 'inherit', timeout: 5 * MINUTE });
    const failed = exited('the demo', result);
    if (failed) return failed;
    const report = (n: number) => JSON.parse(readFileSync(path.join(dir, `report-run${n}.json`), 'utf8')) as { status: string; counts: Record<string, number> };
    const [first, second] = [report(1), report(2)];
    if (first.status === 'aborted' || !(first.counts.entriesAttached! > 0)) {
      return { ok: false, says: `the demo's first run attached ${first.counts.entriesAttached} entries (status ${first.status})` };
    }
    if (second.counts.uploadedArchives !== 0 || second.counts.entriesAttached !== 0) {
      return { ok: false, says: `the demo's second run sent ${second.counts.uploadedArchives} archive(s) again` };
    }
    return { ok: true, says: `the demo passed (first run attached ${first.counts.entriesAttached} entries, second sent nothing)` };
  } catch (e) {
    return { ok: false, says: `the demo's reports could not be read: ${(e as Error).message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function unitTests(node: string, env: NodeJS.ProcessEnv): Outcome {
  const result = spawnSync(node, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'vitest.unit.config.ts'], { cwd: ROOT, env, stdio: 'inherit', timeout: 20 * MINUTE });
  return exited('the unit tests', result) ?? { ok: true, says: 'the unit tests passed' };
}

const summary: string[] = [];
let failed = false;
for (const major of MAJORS) {
  let node: string;
  try {
    node = nodeBinary('linux-x64', major);
  } catch (e) {
    summary.push(`Node ${major}: not tested, its binary could not be had: ${(e as Error).message}`);
    failed = true;
    continue;
  }
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout?.trim() || `${major} (version unknown)`;
  // First on PATH, so that what the tests start as `node` is this version too.
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` };
  for (const [what, step] of [['demo', demo], ['unit tests', unitTests]] as const) {
    process.stdout.write(`\n=== Node ${version} (${path.relative(ROOT, node)}): ${what} ===\n`);
    const outcome = step(node, env);
    summary.push(`Node ${version}: ${outcome.says}`);
    failed ||= !outcome.ok;
  }
}
process.stdout.write(`\n${summary.join('\n')}\n`);
process.exitCode = failed ? 1 : 0;
