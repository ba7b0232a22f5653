// A look-up query the database refuses is told at its line of the mapping file by the run itself,
// whoever calls it: here runSync with the mapping file loaded as any program would load it.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { silentLogger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import { runSync } from '../../src/pipeline/run.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { entry } from '../helpers/entries.js';
import { buildFixture, pdf, type Fixture } from '../helpers/fixture.js';

let sandbox: SandboxHandle;
let fixture: Fixture;

beforeAll(async () => {
  sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1'), entry('ent_2', 'FA-2')], processingDelayMs: 5, pollRetryAfterSeconds: null });
  fixture = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('FA-1') }], { baseUrl: sandbox.url });
});

afterAll(async () => {
  await sandbox.close();
  await rm(fixture.dir, { recursive: true, force: true });
});

describe('runSync with a query the database refuses', () => {
  it('aborts as a mapping-file problem at the line of the faulty SQL, without the bound numbers', async () => {
    const text = (await readFile(fixture.mappingPath, 'utf8')).replace(
      /^  query: .*$/m,
      ['  query: |', '    SELECT number AS documentNumber, pdf AS path', '      FROM invoices', '     WHERE number IN (:documentNumbers) AND AND 1'].join('\n'),
    );
    await writeFile(fixture.mappingPath, text);
    const loaded = await loadMapping(fixture.mappingPath, builtinAdapters());
    const api = new ClearnoxClient({ baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', log: silentLogger });

    const report = await runSync({ loaded, api, log: silentLogger, dryRun: true });

    const faultyLine = text.split('\n').findIndex((l) => l.includes('AND AND')) + 1;
    expect(report.abort?.kind).toBe('config');
    expect(report.abort?.message).toContain(`The mapping file ${fixture.mappingPath} has a problem:`);
    expect(report.abort?.message).toContain(`mapping.yaml:${faultyLine} source.query: failed on the SQLite database`);
    expect(report.abort?.message).toContain('syntax error');
    expect(report.abort?.message).not.toMatch(/FA-[12]/);
    expect(exitCodeFor(report)).toBe(2);
  });
});
