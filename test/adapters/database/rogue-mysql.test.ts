// A machine answering at the database's address passes for MySQL 8 and asks for the password
// itself: mysql_clear_password, or caching_sha2_password / sha256_password under an RSA key of its
// own (it decrypts what it gets, to prove it). With every sslMode but a verified certificate, and
// without the server's key pinned, it recovers nothing.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlAdapter } from '../../../adapters/database/mysql.js';
import { UntrustedServerError } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { rogueMysql, type MysqlAsk, type RogueMysql } from '../../helpers/rogue-mysql.js';
import { selfSignedCertificate, type TestCertificate } from '../../helpers/self-signed.js';

const PASSWORD = 'pw-Secr3t-4-rogue';
let dir: string;
let cert: TestCertificate;
let ctx: { baseDir: string; log: typeof silentLogger };
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cnx-rogue-mysql-'));
  cert = selfSignedCertificate();
  ctx = { baseDir: dir, log: silentLogger };
});
afterAll(() => {
  cert.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(rogue: RogueMysql, over: Record<string, unknown> = {}): Promise<Error | null> {
  const options = mysqlAdapter.optionsSchema.parse({ host: '127.0.0.1', port: rogue.port, database: 'erp', user: 'clearnox_reader', password: PASSWORD, connectTimeoutSeconds: 5, ...over });
  try {
    const source = await mysqlAdapter.open(options, { sql: 'SELECT 1 AS n WHERE 1 IN (:documentNumbers)' }, ctx);
    await source.close();
    return null;
  } catch (e) {
    return e as Error;
  }
}

async function withRogue<T>(ask: MysqlAsk, withTls: boolean, work: (rogue: RogueMysql) => Promise<T>): Promise<T> {
  const rogue = await rogueMysql({ ask, ...(withTls ? { tls: cert } : {}) });
  try {
    return await work(rogue);
  } finally {
    await rogue.close();
  }
}

function expectNothingSent(rogue: RogueMysql): void {
  expect(rogue.passwords).toEqual([]);
  expect(rogue.received().toString('latin1')).not.toContain(PASSWORD);
}

const keyFile = (name: string, pem: string) => {
  writeFileSync(path.join(dir, name), pem);
  return name;
};

const ASKS = ['mysql_clear_password', 'caching_sha2_password', 'sha256_password'] as const;

describe.each(ASKS)('a rogue MySQL 8 asking for the password through %s', (ask) => {
  it.each([
    ['the default settings (sslMode: DISABLED)', false, {}],
    ['sslMode: REQUIRED (encrypted, the certificate not verified)', true, { sslMode: 'REQUIRED' }],
  ] as const)('recovers nothing with %s, and the error says how to verify the server', async (_name, withTls, over) => {
    await withRogue(ask, withTls, async (rogue) => {
      const e = await connect(rogue, over);
      expect(e).toBeInstanceOf(UntrustedServerError);
      expect(e!.message).toMatch(/^the MySQL\/MariaDB server at 127\.0\.0\.1:\d+ asked for the password .*, on a connection whose certificate was not verified: the password was not sent/);
      expect(e!.message).toContain('source.sslMode: VERIFY_IDENTITY and source.sslCa');
      expect(e!.message).toContain('source.allowPasswordWithoutVerifiedTls: true');
      if (ask !== 'mysql_clear_password') expect(e!.message).toContain('source.serverPublicKeyFile');
      expect(e!.message).not.toMatch(/sslMode: REQUIRED|rejectUnauthorized/);
      expectNothingSent(rogue);
    });
  });

  it.each(['VERIFY_CA', 'VERIFY_IDENTITY'])('recovers nothing with sslMode: %s and a certificate no CA given signed', async (sslMode) => {
    await withRogue(ask, true, async (rogue) => {
      const e = await connect(rogue, { sslMode });
      expect(e).toBeInstanceOf(UntrustedServerError);
      expect(e!.message).toMatch(/^the certificate of the MySQL\/MariaDB server at 127\.0\.0\.1:\d+ could not be verified \(.*self.signed.*\), so nothing was sent\. Set source\.sslCa/);
      expectNothingSent(rogue);
    });
  });

  it.each(['VERIFY_CA', 'VERIFY_IDENTITY'])('answers a server whose certificate sslCa verifies (sslMode: %s)', async (sslMode) => {
    await withRogue(ask, true, async (rogue) => {
      const e = await connect(rogue, { sslMode, sslCa: cert.certFile });
      expect(e).not.toBeInstanceOf(UntrustedServerError);
      expect(rogue.passwords).toEqual([PASSWORD]);
    });
  });

  it('answers a legacy server when the mapping file allows it (allowPasswordWithoutVerifiedTls: true)', async () => {
    await withRogue(ask, false, async (rogue) => {
      const e = await connect(rogue, { allowPasswordWithoutVerifiedTls: true });
      expect(e).not.toBeInstanceOf(UntrustedServerError);
      expect(rogue.passwords).toEqual([PASSWORD]);
    });
  });
});

describe.each(['caching_sha2_password', 'sha256_password'] as const)('%s with the server\'s RSA key pinned (serverPublicKeyFile)', (ask) => {
  it.each([false, true])('encrypts the password for the pinned key, which only that server can read (TLS: %s)', async (withTls) => {
    await withRogue(ask, withTls, async (rogue) => {
      const e = await connect(rogue, { serverPublicKeyFile: keyFile('server-key.pem', rogue.publicKeyPem), ...(withTls ? { sslMode: 'REQUIRED' } : {}) });
      expect(e).not.toBeInstanceOf(UntrustedServerError);
      // The rogue here holds the pinned key: it stands for the real server.
      expect(rogue.passwords).toEqual([PASSWORD]);
    });
  });

  it('refuses a server that sends another key, and says which', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await withRogue(ask, false, async (rogue) => {
      const e = await connect(rogue, { serverPublicKeyFile: keyFile('other-key.pem', other) });
      expect(e).toBeInstanceOf(UntrustedServerError);
      expect(e!.message).toMatch(
        /^the MySQL\/MariaDB server at 127\.0\.0\.1:\d+ sent an RSA public key \(SHA-256 [0-9a-f]{64}\) that is not the one source\.serverPublicKeyFile names \(SHA-256 [0-9a-f]{64}\): the password was not sent\./,
      );
      expectNothingSent(rogue);
    });
  });

  it('still refuses another key when the legacy opt-in is set too', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await withRogue(ask, false, async (rogue) => {
      const e = await connect(rogue, { serverPublicKeyFile: keyFile('other-key-2.pem', other), allowPasswordWithoutVerifiedTls: true });
      expect(e).toBeInstanceOf(UntrustedServerError);
      expectNothingSent(rogue);
    });
  });
});

it('caching_sha2_password\'s fast path, a scramble that does not give the password, still logs in without TLS', async () => {
  const rogue = await rogueMysql({ ask: 'caching_sha2_password', fastPath: true });
  try {
    const e = await connect(rogue);
    expect(e).not.toBeInstanceOf(UntrustedServerError);
    expect(rogue.queries.length).toBeGreaterThan(0); // logged in, then asked for statements
    expectNothingSent(rogue);
  } finally {
    await rogue.close();
  }
});

it('a pinned key file that holds no key is a mapping-file error', async () => {
  await withRogue('caching_sha2_password', false, async (rogue) => {
    const e = await connect(rogue, { serverPublicKeyFile: keyFile('not-a-key.pem', 'hello') });
    expect(e!.message).toMatch(/^source\.serverPublicKeyFile: .*not-a-key\.pem holds no public key in PEM/);
    expect(rogue.received().length).toBe(0);
  });
});

it('VERIFY_IDENTITY checks the certificate\'s name, not only its CA', async () => {
  const elsewhere = selfSignedCertificate(['DNS:db.elsewhere.example']);
  const rogue = await rogueMysql({ ask: 'caching_sha2_password', tls: elsewhere });
  try {
    const e = await connect(rogue, { sslMode: 'VERIFY_IDENTITY', sslCa: elsewhere.certFile });
    expectNothingSent(rogue);
    expect(e).toBeInstanceOf(UntrustedServerError);
    expect(e!.message).toMatch(/^the certificate of the MySQL\/MariaDB server at 127\.0\.0\.1:\d+ could not be verified \(.*db\.elsewhere\.example/);
  } finally {
    await rogue.close();
    elsewhere.remove();
  }
});
