// init in a terminal: the prompts of @inquirer/prompts, given streams of the test's own instead of
// a real terminal; the test types each answer once its question is on screen.
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import { runInit } from '../../src/init/run-init.js';
import { listTemplates } from '../../src/init/templates.js';
import { loadMapping } from '../../src/mapping/load.js';
import { listSecrets } from '../../src/secret-store/store.js';

const DOWN = '\u001b[B';

/** A terminal that answers each question, in order, once it is shown. */
function terminal(script: [question: string, keys: string][]) {
  const input = new PassThrough();
  let screen = '';
  let from = 0;
  let step = 0;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      screen += chunk.toString();
      const next = script[step];
      if (next && screen.indexOf(next[0], from) >= 0) {
        step += 1;
        from = screen.length;
        setImmediate(() => input.write(next[1]));
      }
      done();
    },
  });
  // Each prompt ends the stream it pipes into this one when it closes; a terminal outlives them.
  output.end = () => output;
  return { input, output, screen: () => screen, answered: () => step };
}

describe('clearnox-sync init in a terminal', () => {
  it('asks for the template and each value, the secrets without showing them, and writes a file that loads', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-init-tty-'));
    const store = { place: { env: { CLEARNOX_SYNC_SECRETS: path.join(dir, 'secrets.json') }, platform: 'linux' as const } };
    const odoo = (await listTemplates()).findIndex((t) => t.name === 'odoo');
    const tty = terminal([
      ['Which ERP (template)?', `${DOWN.repeat(odoo)}\r`],
      ['Clearnox API address', '\r'], // the template's, offered as the default
      ['Clearnox client id', 'acme-connector\r'],
      ['Clearnox client secret', 'tty-Client-Secret-5\r'],
      ['Database server', 'pg.acme.local\r'],
      ['Database port', '\r'],
      ['Database name', 'acme\r'],
      ['Database user', '\r'],
      ['Database password', 'tty-Db-Password-6\r'],
      ['Folder of the PDFs', '/srv/filestore/acme\r'],
    ]);
    const printed: string[] = [];
    const out = path.join(dir, 'acme.yaml');
    const result = await runInit(
      { out, values: {}, scope: 'machine' },
      { interactive: true, prompts: { input: tty.input, output: tty.output }, store, print: (l) => printed.push(l) },
    );
    expect(tty.answered()).toBe(10);
    expect(result).toEqual({ file: out, template: 'odoo', stored: ['acme-clearnox-client-secret', 'acme-db-password'], toStore: [] });
    // Masked as typed: the screen shows stars, never the secret.
    expect(tty.screen()).not.toMatch(/tty-Client-Secret-5|tty-Db-Password-6/);
    expect(tty.screen()).toContain('*******************');
    expect(printed.join('\n')).not.toMatch(/tty-Client-Secret-5|tty-Db-Password-6/);
    expect((await listSecrets(store)).secrets.map((s) => s.name)).toEqual(['acme-clearnox-client-secret', 'acme-db-password']);
    const loaded = await loadMapping(out, builtinAdapters(), { env: store.place.env });
    expect(loaded.mapping.clearnox).toMatchObject({ baseUrl: 'https://api.clearnox.com', clientId: 'acme-connector', clientSecret: 'tty-Client-Secret-5' });
    expect(loaded.mapping.source).toMatchObject({ host: 'pg.acme.local', port: 5432, database: 'acme', user: 'clearnox_reader', password: 'tty-Db-Password-6' });
    expect(await readFile(out, 'utf8')).not.toContain('tty-');
  });

  it('asks only for what the options did not give, and re-asks a value that cannot work', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-init-tty-'));
    const store = { place: { env: { CLEARNOX_SYNC_SECRETS: path.join(dir, 'secrets.json') }, platform: 'linux' as const } };
    const tty = terminal([
      ['Clearnox API address', `${'\u007f'.repeat(30)}http://clearnox.example\r`],
      ['would send the client secret unencrypted', `${'\u007f'.repeat(30)}https://eu.clearnox.example\r`],
      ['Clearnox client secret', '\r'], // left for later
      ['Folder of the PDFs', '/srv/invoices\r'],
    ]);
    const printed: string[] = [];
    const result = await runInit(
      { template: 'no-database', out: path.join(dir, 'shop.yaml'), values: { clientId: 'shop-connector' }, scope: 'machine' },
      { interactive: true, prompts: { input: tty.input, output: tty.output }, store, print: (l) => printed.push(l) },
    );
    expect(tty.answered()).toBe(4);
    expect(result.toStore).toEqual(['shop-clearnox-client-secret']);
    expect(printed).toContain('Store this secret before the first run:  clearnox-sync secret set shop-clearnox-client-secret');
    expect(await readFile(result.file, 'utf8')).toMatch(/^ {2}baseUrl: https:\/\/eu\.clearnox\.example$/m);
  });
});

describe('Ctrl+C at one of init\'s questions', () => {
  it('stops without writing the file or storing anything', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-init-tty-'));
    const store = { place: { env: { CLEARNOX_SYNC_SECRETS: path.join(dir, 'secrets.json') }, platform: 'linux' as const } };
    const tty = terminal([
      ['Clearnox API address', '\r'],
      ['Clearnox client id', 'c-1\r'],
      ['Clearnox client secret', 'typed-Secret-77\r'],
      ['Database server', '\u0003'],
    ]);
    const out = path.join(dir, 'stopped.yaml');
    const run = runInit({ template: 'odoo', out, values: {}, scope: 'machine' }, { interactive: true, prompts: { input: tty.input, output: tty.output }, store, print: () => undefined });
    await expect(run).rejects.toMatchObject({ name: 'PromptCancelled', kind: 'interrupted' });
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
    expect((await listSecrets(store)).secrets).toEqual([]);
  });
});
