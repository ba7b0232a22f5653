// An error that no code path catches, raised while a run holds the secret: the compiled program
// tells it as a bug (exit 1) and masks it, as it masks every other message.
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { startCli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { FIXTURE_SECRET, buildFixture, pdf } from '../helpers/fixture.js';

describe('an uncaught error in the compiled CLI', () => {
  it('exits 1 with the secret masked', async () => {
    const sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 20_000, pollRetryAfterSeconds: null, clientSecret: FIXTURE_SECRET });
    const fx = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') }], { baseUrl: sandbox.url });
    // Loaded before the program: once the run sends (its secret registered long before), a
    // promise nobody awaits rejects with the secret in its message.
    const leak = [
      'const write = process.stderr.write.bind(process.stderr);',
      'process.stderr.write = (chunk, ...rest) => {',
      "  if (String(chunk).includes('Sending archive')) setImmediate(() => Promise.reject(new Error('leaked ' + process.env.CNX_TEST_SECRET)));",
      '  return write(chunk, ...rest);',
      '};',
    ].join('\n');
    const run = startCli(['run', '--config', fx.mappingPath], { CNX_TEST_SECRET: FIXTURE_SECRET, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(leak)}` });
    try {
      expect(await run.exited, run.output()).toBe(1);
      expect(run.output()).toContain('Internal error (a bug; please send this and the log file): Error: leaked ***');
      expect(run.output()).not.toContain(FIXTURE_SECRET);
    } finally {
      run.child.kill('SIGKILL');
      await sandbox.close();
      await rm(fx.dir, { recursive: true, force: true });
    }
  });
});
