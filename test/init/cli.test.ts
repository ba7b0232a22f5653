// init through the compiled program without a terminal: every value as an option, the secrets on
// standard input; the file written loads with them.
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import { installRoot } from '../../src/install.js';
import { loadMapping } from '../../src/mapping/load.js';
import { cliWithInput } from '../secret-store/cli-input.js';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-init-'));
  env = { CLEARNOX_SYNC_SECRETS: path.join(dir, 'store', 'secrets.json') };
});

const ODOO = ['init', '--template', 'odoo', '--client-id', 'acme-connector', '--db-host', 'odoo01.acme.local', '--db-name', 'acme_prod', '--documents-root', '/srv/odoo/filestore/acme_prod'];

describe('clearnox-sync init, not in a terminal', () => {
  it('writes a file that loads with the values given, the secrets read from standard input into the store and never printed', async () => {
    const out = path.join(dir, 'acme.yaml');
    const r = await cliWithInput([...ODOO, '--out', out, '--db-port', '6432', '--client-secret-stdin', '--db-password-stdin'], 'cs-Init-Secret-71\ndb-Init-Pw-93\n', env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/cs-Init-Secret-71|db-Init-Pw-93/);
    expect(r.stdout).toContain(`Wrote ${out} from the template odoo.\nStored in the secret store: acme-clearnox-client-secret, acme-db-password.\n`);
    expect(r.stdout).toContain(`clearnox-sync check --config ${out}`);
    const text = await readFile(out, 'utf8');
    expect(text).not.toMatch(/cs-Init-Secret-71|db-Init-Pw-93/);
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${pathToFileURL(path.join(installRoot(), 'mappings', 'mapping.schema.json')).href}`);
    // The template's teaching comments are still there.
    expect(text).toContain('# PostgreSQL lowercases names that are not in double quotes');
    const loaded = await loadMapping(out, builtinAdapters(), { env: { ...process.env, ...env } });
    expect(loaded.mapping.clearnox.clientId).toBe('acme-connector');
    expect(loaded.mapping.clearnox.clientSecret).toBe('cs-Init-Secret-71');
    expect(loaded.mapping.source).toMatchObject({ type: 'postgres', host: 'odoo01.acme.local', port: 6432, database: 'acme_prod', user: 'clearnox_reader', password: 'db-Init-Pw-93' });
    expect(loaded.mapping.documents).toMatchObject({ type: 'local', root: '/srv/odoo/filestore/acme_prod' });
  });

  it('writes the secrets as references to set later when none is piped, and says the commands', async () => {
    const r = await cliWithInput([...ODOO], '', env, dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Store this secret before the first run:  clearnox-sync secret set odoo-clearnox-client-secret\n');
    expect(r.stdout).toContain('clearnox-sync secret set odoo-db-password\n');
    const text = await readFile(path.join(dir, 'odoo.yaml'), 'utf8');
    expect(text).toMatch(/^ {2}password: \$\{secret:odoo-db-password\} +# in the secret store: clearnox-sync secret set odoo-db-password$/m);
  });

  it('exits 2 naming the options a template needs, an unknown template, or a value that would not load; nothing written', async () => {
    const none = await cliWithInput(['init'], '', env, dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Not in a terminal, init cannot ask; give --template \(one of: dolibarr, .*odoo.*sage100/);
    const missing = await cliWithInput(['init', '--template', 'odoo', '--client-id', 'x'], '', env, dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Not in a terminal, init cannot ask; give --db-host, --db-name, --documents-root');
    // No database in this template: no database option asked for.
    const noDb = await cliWithInput(['init', '--template', 'no-database'], '', env, dir);
    expect(noDb.stderr).toContain('give --client-id, --documents-root (');
    const unknown = await cliWithInput(['init', '--template', 'navision'], '', env, dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--template navision is not one of the templates: dolibarr,');
    const http = await cliWithInput([...ODOO, '--base-url', 'http://clearnox.acme.local'], '', env, dir);
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('--base-url would send the client secret unencrypted over the network to clearnox.acme.local');
    const apiV1 = await cliWithInput([...ODOO, '--base-url', 'https://api.clearnox.com/api/v1'], '', env, dir);
    expect(apiV1.code).toBe(2);
    expect(apiV1.stderr).toContain('--base-url holds the path /api/v1');
    const lines = await cliWithInput([...ODOO, '--client-secret-stdin', '--db-password-stdin'], 'only-one-line\n', env, dir);
    expect(lines.code).toBe(2);
    expect(lines.stderr).toContain('Standard input holds 1 non-empty line(s); give 2, one secret per line');
    await expect(readFile(path.join(dir, 'odoo.yaml'))).rejects.toThrow(/ENOENT/);
    // A secret is never an option.
    const asOption = await cliWithInput([...ODOO, '--client-secret', 'x-1234'], '', env, dir);
    expect(asOption.code).toBe(2);
    expect(asOption.stderr).toMatch(/Unknown arguments?: client-secret/);
  });

  it('never replaces a file, nor writes through a link, unless --force', async () => {
    const out = path.join(dir, 'acme.yaml');
    await writeFile(out, 'keep me');
    const r = await cliWithInput([...ODOO, '--out', out], '', env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${out} already exists; nothing was written. Give another --out, or --force to replace it`);
    expect(await readFile(out, 'utf8')).toBe('keep me');
    const target = path.join(dir, 'elsewhere.txt');
    await writeFile(target, 'untouched');
    const link = path.join(dir, 'linked.yaml');
    await symlink(target, link);
    expect((await cliWithInput([...ODOO, '--out', link], '', env)).code).toBe(2);
    const forced = await cliWithInput([...ODOO, '--out', link, '--force'], '', env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('untouched');
    expect(await readFile(link, 'utf8')).toMatch(/^# yaml-language-server/);
  });

  it('exits 2 before asking anything when --out names a folder or a folder that does not exist', async () => {
    const folder = await cliWithInput([...ODOO, '--out', dir, '--force'], '', env);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`${dir} is a folder; give --out a file name in it, e.g. ${path.join(dir, 'mapping.yaml')}`);
    const nowhere = await cliWithInput([...ODOO, '--out', path.join(dir, 'no', 'acme.yaml')], '', env);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain(`The folder ${path.join(dir, 'no')} of ${path.join(dir, 'no', 'acme.yaml')} does not exist; create it first, or give --out another path`);
  });

  it('has --help saying secrets are never options', async () => {
    const help = await cliWithInput(['init', '--help'], '', env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--client-secret-stdin[\s\S]*--db-password-stdin/);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('Secrets are never options');
  });
});
