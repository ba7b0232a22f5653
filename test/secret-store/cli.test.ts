// secret set|list|remove through the compiled program, the value piped in as a script would, and a
// mapping file's ${secret:} read by a command talking to the sandbox.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { entry } from '../helpers/entries.js';
import { buildFixture, type Fixture } from '../helpers/fixture.js';
import { cliWithInput } from './cli-input.js';

let sandbox: SandboxHandle;
let fixture: Fixture;
let store: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1'), entry('ent_2', 'FA-2')], processingDelayMs: 5, pollRetryAfterSeconds: null });
  fixture = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: 'x' }], { baseUrl: sandbox.url });
  const text = await readFile(fixture.mappingPath, 'utf8');
  await writeFile(fixture.mappingPath, text.replace('${env:CNX_TEST_SECRET}', '${secret:clearnox-client-secret}'));
  store = path.join(await mkdtemp(path.join(os.tmpdir(), 'cnx-store-')), 'nested', 'secrets.json');
  // Nothing else to take the secret from: the variable the fixture names is left empty.
  env = { CLEARNOX_SYNC_SECRETS: store, CNX_TEST_SECRET: '' };
});

afterAll(async () => {
  await sandbox.close();
  await rm(fixture.dir, { recursive: true, force: true });
});

describe('clearnox-sync secret', () => {
  it('stores a piped value readable by its owner only, lists it without the value, and a mapping file reads it', async () => {
    const set = await cliWithInput(['secret', 'set', 'clearnox-client-secret'], 'sandbox-secret\r\n', env);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(`Stored the secret clearnox-client-secret in ${store} (readable by this account only).\nA mapping file refers to it as \${secret:clearnox-client-secret}.\n`);
    expect((await stat(store)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(store))).mode & 0o777).toBe(0o700);

    const list = await cliWithInput(['secret', 'list'], '', env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^name +set +store\\nclearnox-client-secret +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC +${store.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`));

    const missing = await cliWithInput(['missing', '--config', fixture.mappingPath, '--json'], '', env);
    expect(missing.code, missing.stderr).toBe(0);
    expect((JSON.parse(missing.stdout) as { id: string }[]).map((e) => e.id)).toEqual(['ent_1', 'ent_2']);
    for (const r of [set, list, missing]) expect(r.stdout + r.stderr).not.toContain('sandbox-secret');
  });

  it('refuses the store once other accounts may read it, saying the chmod; exit 2', async () => {
    await cliWithInput(['secret', 'set', 'clearnox-client-secret'], 'sandbox-secret', env);
    await chmod(store, 0o644);
    try {
      const r = await cliWithInput(['missing', '--config', fixture.mappingPath], '', env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`may be read or changed by other accounts (mode 0644), so its secrets are not used. Make it readable by its owner only:  chmod 600 ${store}`);
      expect(r.stderr).toMatch(/mapping\.yaml:\d+ clearnox\.clientSecret/);
    } finally {
      await chmod(store, 0o600);
    }
  });

  it('removes a secret, and then the mapping file says how to set it again; exit 2 for one not there', async () => {
    await cliWithInput(['secret', 'set', 'clearnox-client-secret'], 'sandbox-secret', env);
    const removed = await cliWithInput(['secret', 'remove', 'clearnox-client-secret'], '', env);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe(`Removed the secret clearnox-client-secret from ${store}.\n`);
    const again = await cliWithInput(['secret', 'remove', 'clearnox-client-secret'], '', env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`There is no secret clearnox-client-secret in ${store}; nothing was removed.`);
    const run = await cliWithInput(['missing', '--config', fixture.mappingPath], '', env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('clearnox-sync secret set clearnox-client-secret');
    expect((await cliWithInput(['secret', 'list'], '', env)).stdout).toBe(`No secret is stored (looked in ${store}).\n`);
  });

  it('takes the value only from standard input, never as an argument, and refuses an empty one or a bad name', async () => {
    const extra = await cliWithInput(['secret', 'set', 'x1', 'the-value'], '', env);
    expect(extra.code).toBe(2);
    const empty = await cliWithInput(['secret', 'set', 'x1'], '\n', env);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('Nothing was given on standard input for the secret x1; nothing was stored');
    const bad = await cliWithInput(['secret', 'set', 'a/b'], 'v-12345', env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"a/b" is not a secret name this tool accepts');
    const none = await cliWithInput(['secret'], '', env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Give secret set NAME, secret list or secret remove NAME.');
  });

  it('has help for each of its commands, saying the value never goes on the command line', async () => {
    const help = await cliWithInput(['secret', '--help'], '', env);
    expect(help.code).toBe(0);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('A value is never given on the command line.');
    for (const sub of ['set', 'list', 'remove']) expect((await cliWithInput(['secret', sub, '--help'], '', env)).code).toBe(0);
    expect((await cliWithInput(['secret', 'set', '--help'], '', env)).stdout).toMatch(/--scope[\s\S]*--reader/);
  });
});
