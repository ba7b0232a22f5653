// Started by the Windows node.exe under Wine (bundled by esbuild): runs the case tables of
// cases.ts with the real platform, nothing faked, and writes one result per case as JSON to the
// file named by its second argument. Its first argument is a JSON file holding the fixture.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileSystemCases, pathCases, type Fixture } from './cases.js';
import { difference } from './compare.js';
import { silentLogger } from '../../src/log.js';
import { RunState } from '../../src/pipeline/run-state.js';

export interface CaseResult {
  name: string;
  /** null when the case passed. */
  failure: string | null;
  /** What the code gave (RegExp-free JSON), to read when the expectation allows more than one outcome. */
  actual?: unknown;
}

export interface RunnerOutput {
  platform: NodeJS.Platform;
  node: string;
  /** Whether path is path.win32 here, as it must be on Windows. */
  pathIsWin32: boolean;
  results: CaseResult[];
}

async function attempt(name: string, run: () => unknown, expected: unknown): Promise<CaseResult> {
  try {
    const actual = await run();
    return { name, failure: difference(actual, expected), actual };
  } catch (e) {
    return { name, failure: `threw ${(e as Error)?.stack ?? String(e)}` };
  }
}

/** The process a case starts as a run that Task Scheduler stops: the lock is left taken. */
async function killedRun(stateDir: string, mapping: string): Promise<void> {
  const r = spawnSync(process.execPath, [process.argv[1]!, '--killed-run', stateDir, mapping], { stdio: 'ignore', timeout: 60_000 });
  if (r.error) throw r.error;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--killed-run') {
    await RunState.open(process.argv[3]!, process.argv[4]!, silentLogger);
    // As Task Scheduler stops a task (TerminateProcess): no exit handler runs.
    process.kill(process.pid, 'SIGKILL');
  }
  const [fixtureFile, outFile] = process.argv.slice(2);
  if (!fixtureFile || !outFile) throw new Error('usage: runner <fixture.json> <results.json>');
  const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as Fixture;
  const results: CaseResult[] = [];
  const ctx = { platform: process.platform, faked: false };
  for (const c of pathCases) results.push(await attempt(c.name, () => c.run(ctx), c.expected));
  for (const c of fileSystemCases) results.push(await attempt(c.name, () => c.run({ fixture, killedRun }), c.underWine ? c.underWine.expected : c.expected));
  const output: RunnerOutput = { platform: process.platform, node: process.version, pathIsWin32: path === path.win32, results };
  writeFileSync(outFile, JSON.stringify(output, null, 2));
}

main().then(
  // Timers a case left (a lock's refresh) must not keep the process alive.
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
