// mysql2 checks a certificate's name only under verifyIdentity (VERIFY_IDENTITY): otherwise it
// hands Node's TLS a checkServerIdentity that accepts any name, and a certificate that a CA it
// trusts signed for another machine leaves the socket `authorized`. With REQUIRED (or TLS asked
// for in a connection string) those CAs are the public ones, so an impostor holding any public
// certificate for a name of its own must not count as verified. Here the test CA stands for a
// public one; the socket is made with mysql2's own options for REQUIRED.
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlAdapter, mysqlSettings } from '../../../adapters/database/mysql.js';
import { UntrustedServerError } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { selfSignedCertificate, type TestCertificate } from '../../helpers/self-signed.js';

const PASSWORD = 'pw-Secr3t-unchecked-name';
let cert: TestCertificate;
let server: tls.Server;
let port: number;
beforeAll(async () => {
  cert = selfSignedCertificate(['DNS:impostor.example']);
  server = tls.createServer({ cert: cert.cert, key: cert.key }, (s) => s.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  cert.remove();
});

// What mysql2's startTLS makes, the CA standing for the public ones: without verifyIdentity, a
// checkServerIdentity that accepts any name.
function mysql2Socket(servername: string, rejectUnauthorized: boolean, verifyIdentity = false): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port, servername, ca: cert.cert, rejectUnauthorized, ...(verifyIdentity ? {} : { checkServerIdentity: () => undefined }) },
      () => resolve(socket),
    );
    socket.once('error', reject);
  });
}

type Plugin = (ctx: { connection: { config: { password?: string }; stream?: unknown }; command: object }) => (data: Buffer) => unknown;

async function clearPasswordAnswer(host: string, over: Record<string, unknown>, stream: unknown): Promise<unknown> {
  const options = mysqlAdapter.optionsSchema.parse({ host, database: 'erp', user: 'clearnox_reader', password: PASSWORD, ...over });
  const settings = await mysqlSettings(options, { baseDir: '/', log: silentLogger });
  const plugins = (settings.connection as { authPlugins: Record<string, Plugin> }).authPlugins;
  try {
    return plugins['mysql_clear_password']!({ connection: { config: { password: PASSWORD }, stream }, command: {} })(Buffer.alloc(20));
  } catch (e) {
    return e;
  }
}

describe('a MySQL server whose certificate a trusted CA signed for another name', () => {
  it.each([
    ['sslMode: REQUIRED', { sslMode: 'REQUIRED' }, false],
    ['TLS asked for in the connection string (ssl={})', { host: undefined, database: undefined, user: undefined, password: undefined, connectionString: 'mysql://clearnox_reader@erp-server.example/erp?ssl={}' }, true],
  ] as const)('does not get the password with %s', async (_name, over, rejectUnauthorized) => {
    const socket = await mysql2Socket('erp-server.example', rejectUnauthorized);
    try {
      expect(socket.authorized).toBe(true); // what the guard sees: only the name was never checked
      const answer = await clearPasswordAnswer('erp-server.example', over, socket);
      expect(answer).toBeInstanceOf(UntrustedServerError);
      expect(String((answer as Error).message)).toContain('source.sslMode: VERIFY_IDENTITY and source.sslCa');
    } finally {
      socket.destroy();
    }
  });

  it('gets it under VERIFY_IDENTITY, the name checked and the certificate its own', async () => {
    const socket = await mysql2Socket('impostor.example', true, true);
    try {
      const answer = await clearPasswordAnswer('impostor.example', { sslMode: 'VERIFY_IDENTITY' }, socket);
      expect(Buffer.isBuffer(answer) && answer.toString()).toBe(`${PASSWORD}\0`);
    } finally {
      socket.destroy();
    }
  });
});
