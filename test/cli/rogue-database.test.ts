// A fake database at the mapping file's address asks for the password in a form it could read:
// the compiled program stops with exit code 5 (a server's identity not verified), says what to
// set, and the fake never receives the password.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { cli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { rogueMysql } from '../helpers/rogue-mysql.js';
import { roguePostgres, type RogueServer } from '../helpers/rogue-postgres.js';
import { SANDBOX_CLIENT_SECRET, SANDBOX_SECRET_ENV, clearnoxYaml } from '../helpers/sandbox-run.js';

const PASSWORD = 'Db-Passw0rd-for-the-impostor';
let sandbox: SandboxHandle;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1')], processingDelayMs: 5, pollRetryAfterSeconds: null });
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-rogue-cli-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

async function runAgainst(type: 'postgres' | 'mysql', port: number) {
  const file = path.join(dir, `${type}.yaml`);
  await writeFile(
    file,
    `version: 1\n${clearnoxYaml(sandbox.url)}source:\n  type: ${type}\n  host: 127.0.0.1\n  port: ${port}\n  database: erp\n  user: clearnox_reader\n` +
      `  password: \${env:CNX_DB_PASSWORD}\n  query: SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)\n  pathColumn: path\n` +
      `documents:\n  type: local\n  root: .\n`,
  );
  return cli(['run', '--config', file], { [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET, CNX_DB_PASSWORD: PASSWORD });
}

describe('exit code 5: a database server asking for the password where it could read it', () => {
  it('PostgreSQL asking for it in cleartext', async () => {
    const rogue: RogueServer = await roguePostgres({ ask: 'cleartext' });
    try {
      const r = await runAgainst('postgres', rogue.port);
      expect(r.code, r.stdout + r.stderr).toBe(5);
      expect(r.stdout + r.stderr).toMatch(/asked for the password in cleartext or as an MD5 hash, on a connection whose certificate was not verified: the password was not sent/);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      expect(rogue.answers).toEqual([]);
    } finally {
      await rogue.close();
    }
  });

  it('MySQL 8 asking for it under an RSA key of its own', async () => {
    const rogue = await rogueMysql({ ask: 'caching_sha2_password' });
    try {
      const r = await runAgainst('mysql', rogue.port);
      expect(r.code, r.stdout + r.stderr).toBe(5);
      expect(r.stdout + r.stderr).toMatch(/asked for the password under an RSA key it sends itself \(caching_sha2_password\)/);
      expect(r.stdout + r.stderr).toContain('source.serverPublicKeyFile');
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      expect(rogue.passwords).toEqual([]);
    } finally {
      await rogue.close();
    }
  });
});
