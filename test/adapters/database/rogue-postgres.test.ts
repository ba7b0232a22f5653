// A machine answering at the database's address asks for the password in cleartext or as MD5:
// with every sslMode but a verified certificate, it gets neither the password nor its hash.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAdapter } from '../../../adapters/database/postgres.js';
import { AdapterConfigError, UntrustedServerError } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { roguePostgres, type RogueServer } from '../../helpers/rogue-postgres.js';
import { selfSignedCertificate, type TestCertificate } from '../../helpers/self-signed.js';

const ctx = { baseDir: process.cwd(), log: silentLogger };
const PASSWORD = 'pw-Secr3t-4-rogue';
const USER = 'clearnox_reader';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
// What an MD5 answer carries for this password and the rogue's salt 01 02 03 04.
const MD5_ANSWER = `md5${createHash('md5').update(md5(PASSWORD + USER)).update(Buffer.from([1, 2, 3, 4])).digest('hex')}`;

let cert: TestCertificate;
beforeAll(() => {
  cert = selfSignedCertificate();
});
afterAll(() => cert.remove());

async function connect(rogue: RogueServer, over: Record<string, unknown> = {}): Promise<Error | null> {
  const options = postgresAdapter.optionsSchema.parse({ host: '127.0.0.1', port: rogue.port, database: 'erp', user: USER, password: PASSWORD, connectTimeoutSeconds: 5, ...over });
  try {
    const source = await postgresAdapter.open(options, { sql: 'SELECT 1 AS n WHERE 1 IN (:documentNumbers)' }, ctx);
    await source.close();
    return null;
  } catch (e) {
    return e as Error;
  }
}

function expectNothingSent(rogue: RogueServer): void {
  expect(rogue.answers).toEqual([]);
  const received = rogue.received().toString('latin1');
  expect(received).not.toContain(PASSWORD);
  expect(received).not.toContain(MD5_ANSWER.slice(3));
}

describe.each(['cleartext', 'md5'] as const)('a rogue PostgreSQL asking for the password %s', (ask) => {
  const withTls = async () => roguePostgres({ ask, tls: cert });

  it('gets nothing with the default settings (sslMode: disable), and the error says how to give the CA', async () => {
    const rogue = await roguePostgres({ ask });
    try {
      const e = await connect(rogue);
      expect(e).toBeInstanceOf(UntrustedServerError);
      expect(e!.message).toMatch(/^the PostgreSQL server at 127\.0\.0\.1:\d+ asked for the password in cleartext or as an MD5 hash, on a connection whose certificate was not verified: the password was not sent/);
      expect(e!.message).toContain('source.sslMode: verify-full and source.sslRootCert');
      expect(e!.message).toContain('scram-sha-256');
      expect(e!.message).toContain('source.allowPasswordWithoutVerifiedTls: true');
      expect(e!.message).not.toMatch(/sslMode: require|rejectUnauthorized/);
      expectNothingSent(rogue);
    } finally {
      await rogue.close();
    }
  });

  it('gets nothing with sslMode: require (encrypted, but the certificate is not verified)', async () => {
    const rogue = await withTls();
    try {
      const e = await connect(rogue, { sslMode: 'require' });
      expect(e).toBeInstanceOf(UntrustedServerError);
      expect(e!.message).toContain('asked for the password in cleartext or as an MD5 hash');
      expectNothingSent(rogue);
    } finally {
      await rogue.close();
    }
  });

  it.each(['verify-ca', 'verify-full'])('gets nothing with sslMode: %s and a certificate no CA given signed', async (sslMode) => {
    const rogue = await withTls();
    try {
      const e = await connect(rogue, { sslMode });
      expect(e).toBeInstanceOf(UntrustedServerError);
      expect(e!.message).toMatch(/^the certificate of the PostgreSQL server at 127\.0\.0\.1:\d+ could not be verified \(.*self.signed.*\), so nothing was sent\. Set source\.sslRootCert to the CA certificate/);
      expect(e!.message).not.toMatch(/sslMode: require|rejectUnauthorized/);
      expectNothingSent(rogue);
    } finally {
      await rogue.close();
    }
  });

  it.each(['verify-ca', 'verify-full'])('answers a server whose certificate sslRootCert verifies (sslMode: %s)', async (sslMode) => {
    const rogue = await withTls();
    try {
      const e = await connect(rogue, { sslMode, sslRootCert: cert.certFile });
      expect(e).not.toBeInstanceOf(UntrustedServerError);
      expect(rogue.answers).toEqual([ask === 'cleartext' ? PASSWORD : MD5_ANSWER]);
    } finally {
      await rogue.close();
    }
  });

  it('answers a legacy server when the mapping file allows it (allowPasswordWithoutVerifiedTls: true)', async () => {
    const rogue = await roguePostgres({ ask });
    try {
      const e = await connect(rogue, { allowPasswordWithoutVerifiedTls: true });
      expect(e).not.toBeInstanceOf(UntrustedServerError);
      expect(rogue.answers).toEqual([ask === 'cleartext' ? PASSWORD : MD5_ANSWER]);
    } finally {
      await rogue.close();
    }
  });
});

it('a server without TLS, when the mapping file asks for it, is a configuration to correct, not an impostor', async () => {
  const rogue = await roguePostgres({ ask: 'cleartext' });
  try {
    const e = await connect(rogue, { sslMode: 'verify-full' });
    expect(e).toBeInstanceOf(AdapterConfigError);
    expect(e!.message).toMatch(/^the encrypted connection to the PostgreSQL server at 127\.0\.0\.1:\d+ failed: The server does not support SSL connections\. Check that the server accepts TLS/);
    expectNothingSent(rogue);
  } finally {
    await rogue.close();
  }
});

it('a connection string goes through the same guard', async () => {
  const rogue = await roguePostgres({ ask: 'cleartext' });
  try {
    const options = postgresAdapter.optionsSchema.parse({ connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${rogue.port}/erp`, connectTimeoutSeconds: 5 });
    const e = await postgresAdapter.open(options, { sql: 'SELECT 1 AS n WHERE 1 IN (:documentNumbers)' }, ctx).then(() => null, (x: Error) => x);
    expect(e).toBeInstanceOf(UntrustedServerError);
    expectNothingSent(rogue);
  } finally {
    await rogue.close();
  }
});

// node-postgres lets a connection string's TLS settings replace the ssl it is given, so the
// mapping file's verify-full would silently become the string's disable or no-verify.
describe('a connection string setting TLS itself beside source.sslMode', () => {
  it.each([
    ['sslmode=disable', {}],
    ['sslmode=no-verify', { allowPasswordWithoutVerifiedTls: true }],
    ['sslmode=require&uselibpqcompat=true', { allowPasswordWithoutVerifiedTls: true }],
    ['sslcert=client.crt&sslkey=client.key', {}],
  ])('is refused before connecting (%s)', async (query, over) => {
    const other = selfSignedCertificate();
    const rogue = await roguePostgres({ ask: 'cleartext', tls: cert });
    try {
      const options = postgresAdapter.optionsSchema.parse({
        connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${rogue.port}/erp?${query}`,
        sslMode: 'verify-full',
        sslRootCert: other.certFile,
        connectTimeoutSeconds: 5,
        ...over,
      });
      const e = await postgresAdapter.open(options, { sql: 'SELECT 1 AS n WHERE 1 IN (:documentNumbers)' }, ctx).then(() => null, (x: Error) => x);
      expect(e).toBeInstanceOf(AdapterConfigError);
      expect(e!.message).toBe(
        'source.connectionString sets TLS itself (sslmode, sslrootcert, ...), which node-postgres would follow instead of source.sslMode and source.sslRootCert. ' +
          'Give TLS in one place: as source.sslMode and source.sslRootCert with none of those in the connection string, or in the connection string alone ' +
          '(sslmode=verify-full&sslrootcert=<absolute path of the CA file>) without source.sslMode and source.sslRootCert.',
      );
      expect(rogue.received().length).toBe(0);
    } finally {
      await rogue.close();
      other.remove();
    }
  });

  it('stands alone when source.sslMode is left at disable', async () => {
    const rogue = await roguePostgres({ ask: 'cleartext', tls: cert });
    try {
      const options = postgresAdapter.optionsSchema.parse({ connectionString: `postgres://${USER}:${PASSWORD}@127.0.0.1:${rogue.port}/erp?sslmode=verify-full`, connectTimeoutSeconds: 5 });
      const e = await postgresAdapter.open(options, { sql: 'SELECT 1 AS n WHERE 1 IN (:documentNumbers)' }, ctx).then(() => null, (x: Error) => x);
      expect(e).toBeInstanceOf(UntrustedServerError);
      expect(e!.message).toMatch(/^the certificate of the PostgreSQL server at 127\.0\.0\.1:\d+ could not be verified/);
      expectNothingSent(rogue);
    } finally {
      await rogue.close();
    }
  });
});
