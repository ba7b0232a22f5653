// Slips a new user makes, run through the compiled program: each answer names the file, key or
// option at fault and says what to write instead, with the exit code of a wrong mapping file or
// command line (2), never a raw system error or advice that points elsewhere.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { listenProblem } from '../../src/cli/commands/sandbox.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { cli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { listenLocally } from '../helpers/local-listener.js';
import { fakePdf } from '../helpers/pdf.js';
import { clearnoxYaml, SANDBOX_CLIENT_SECRET, SANDBOX_SECRET_ENV, SQLITE_INVOICES_SOURCE } from '../helpers/sandbox-run.js';
import { BOUND_NUMBERS, syntaxErrorQuery } from './query-errors-fixture.js';

let sandbox: SandboxHandle;
let dir: string;
const env = { [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET };

beforeAll(async () => {
  sandbox = await startSandbox({ entries: BOUND_NUMBERS.map((n, i) => entry(`ent_${i}`, n)), processingDelayMs: 5, pollRetryAfterSeconds: null });
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-misleading-'));
  const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
  db.exec("CREATE TABLE invoices (number TEXT, pdf TEXT); INSERT INTO invoices VALUES ('FA-1', 'FA-1.pdf')");
  db.close();
  await mkdir(path.join(dir, 'pdfs'));
  await writeFile(path.join(dir, 'pdfs', 'FA-1.pdf'), fakePdf('FA-1'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

const DOCUMENTS = 'documents:\n  type: local\n  root: pdfs\n';

/** A mapping file in the shared folder: the clearnox section aimed at `baseUrl`, then `rest`. */
async function mapping(name: string, opts: { baseUrl?: string; source?: string } = {}): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `version: 1\n${clearnoxYaml(opts.baseUrl ?? sandbox.url)}${opts.source ?? SQLITE_INVOICES_SOURCE}${DOCUMENTS}`);
  return file;
}

describe('clearnox.baseUrl with the API path in it', () => {
  it.each(['/api/v1', '/api/v1/', '/api/v1/entries/without-document'])('%s is refused when the file is read, with the address to write', async (suffix) => {
    const file = await mapping('api-path.yaml', { baseUrl: `${sandbox.url}${suffix}` });
    const r = await cli(['run', '--config', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(`api-path.yaml:3 clearnox.baseUrl: holds the path /api/v1, which clearnox-sync adds to every call itself; write the address without it: ${sandbox.url}\n`);
    expect(r.stdout + r.stderr).not.toMatch(/other credentials|import/);
  });

  it('keeps a gateway prefix before /api/v1', async () => {
    const file = await mapping('gateway.yaml', { baseUrl: 'https://gw.example.com/clearnox/api/v1' });
    const r = await cli(['run', '--config', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('write the address without it: https://gw.example.com/clearnox\n');
  });
});

describe('https:// to a port that speaks plain HTTP', () => {
  it('says the server answers plain HTTP and to check the port or scheme, not a proxy or the certificate', async () => {
    const file = await mapping('plain-port.yaml', { baseUrl: sandbox.url.replace('http://', 'https://') });
    const r = await cli(['run', '--config', file], env);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(2);
    // OpenSSL's code for it varies with its version: wrong version number, or packet length too long.
    expect(out).toContain(`The server at ${new URL(sandbox.url).host} answered in plain HTTP while getting an access token (ERR_SSL_`);
    expect(out).toContain('): it does not speak HTTPS (TLS) on that port; check the port in clearnox.baseUrl');
    expect(out).not.toMatch(/Could not reach/);
    expect(out).not.toMatch(/proxy|NODE_EXTRA_CA_CERTS|certificate|NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized/i);
  });
});

describe('source.path written for Windows, read on another system', () => {
  it.each([
    ['a drive path', 'D:\\ERP\\compta.sqlite', /source\.path "D:\\ERP\\compta\.sqlite" is a Windows drive path; on this \w+ machine give the path of the database file on this machine\./],
    ['a share', '\\\\SRV01\\ERP\\compta.sqlite', /source\.path "\\\\SRV01\\ERP\\compta\.sqlite" is a file on a Windows share, which this \w+ machine cannot open by that name\. Mount the share/],
  ])('%s is explained as documents.root is, not joined to the mapping file\'s folder', async (_what, value, expected) => {
    const file = await mapping('windows-path.yaml', { source: SQLITE_INVOICES_SOURCE.replace('path: erp.sqlite', `path: '${value}'`) });
    const r = await cli(['run', '--config', file], env);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(2);
    expect(out).toMatch(expected);
    expect(out).not.toContain(path.join(dir, value));
  });
});

describe('--config that names no mapping file', () => {
  it('a folder: asks for the file in it, naming the YAML files it holds', async () => {
    const folder = path.join(dir, 'configs');
    await mkdir(folder);
    await writeFile(path.join(folder, 'acme.yaml'), '');
    await writeFile(path.join(folder, 'bijou.yml'), '');
    const r = await cli(['run', '--config', folder], env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--config ${folder} is a folder: give the mapping file's path, e.g. ${path.join(folder, 'acme.yaml')} (the folder holds acme.yaml, bijou.yml).`);
    expect(r.stderr).not.toMatch(/EISDIR|Internal error/);
  });

  it('an empty folder: the example is mapping.yaml in it', async () => {
    const folder = path.join(dir, 'empty');
    await mkdir(folder);
    const r = await cli(['missing', '--config', folder], env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--config ${folder} is a folder: give the mapping file's path, e.g. ${path.join(folder, 'mapping.yaml')}.`);
  });

  it.each([
    [['run', '--config']],
    [['run', '--config', '--dry-run']],
    [['missing', '-c']],
  ])('%j: asks for the path instead of reading the working folder', async (args) => {
    const r = await cli(args, env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--config needs the path of a mapping file, e.g. --config C:\\clearnox\\acme.yaml');
    expect(r.stderr).not.toContain(process.cwd());
  });
});

describe('the sandbox on a port already in use', () => {
  it('says so and how to choose another, exit 2, not a bug', async () => {
    const taken = await listenLocally(() => undefined);
    try {
      const r = await cli(['sandbox', '--port', String(taken.port)]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`--port ${taken.port}: another program already listens on 127.0.0.1:${taken.port} (an earlier sandbox still running?); choose another port with --port, or --port 0 for any free one.`);
      expect(r.stderr).not.toMatch(/EADDRINUSE|Internal error|a bug/);
    } finally {
      await taken.close();
    }
  });
});

describe('the sandbox on an address it cannot take', () => {
  it('--host not of this machine: says so, exit 2', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const r = await cli(['sandbox', '--host', '192.0.2.1', '--port', '0']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--host 192.0.2.1: this machine has no such address; give one of its own, or leave --host out for 127.0.0.1.');
  });

  it('a port the account may not open: names the option and both systems\' reasons', () => {
    const e = listenProblem(Object.assign(new Error('listen EACCES: permission denied 127.0.0.1:80'), { code: 'EACCES' }), '127.0.0.1', 80);
    expect(e?.kind).toBe('config');
    expect(e?.message).toMatch(/^--port 80: this account may not listen on 127\.0\.0\.1:80 \(below 1024 on Linux a port needs root; on Windows the system may have reserved it\); choose another port with --port/);
    expect(listenProblem(new Error('something else'), '127.0.0.1', 80)).toBeNull();
  });
});

describe('a look-up query with a syntax error (SQLite)', () => {
  it('gives the database\'s words at the mapping file\'s line of the faulty SQL, without the bound numbers', async () => {
    const query = syntaxErrorQuery('documentNumber');
    const source = `source:\n  type: sqlite\n  path: erp.sqlite\n${query.yaml}  pathColumn: path\n`;
    const file = await mapping('syntax.yaml', { source });
    const r = await cli(['run', '--config', file], env);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(2);
    const text = `version: 1\n${clearnoxYaml(sandbox.url)}${source}`;
    const faulty = text.split('\n').findIndex((l) => l.includes('AND AND')) + 1;
    expect(out).toContain(`The mapping file ${file} has a problem:\n`);
    expect(out).toContain(
      `syntax.yaml:${faulty} source.query: failed on the SQLite database ${path.join(dir, 'erp.sqlite')} at line 3 of the query ("WHERE number IN (:documentNumbers) AND AND year > 2000"): near "AND": syntax error.`,
    );
    for (const n of BOUND_NUMBERS) expect(out).not.toContain(n);
  });
});
