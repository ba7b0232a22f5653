// What counts as a verified connection before a password may be sent in a form the server can read.
import tls from 'node:tls';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifiedTls } from '../../../adapters/database/password-guard.js';
import { selfSignedCertificate, type TestCertificate } from '../../helpers/self-signed.js';

let cert: TestCertificate;
let server: tls.Server;
let port: number;
beforeAll(async () => {
  cert = selfSignedCertificate();
  server = tls.createServer({ cert: cert.cert, key: cert.key }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  cert.remove();
});

function connect(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('a verified TLS connection', () => {
  it('is one whose certificate the given CA signed', async () => {
    const socket = await connect({ ca: cert.cert });
    expect(verifiedTls(socket, { anyPublicCertificate: false })).toBe(true);
    socket.destroy();
  });

  it('is not one whose certificate was accepted unchecked (require / REQUIRED)', async () => {
    const socket = await connect({ rejectUnauthorized: false });
    expect(verifiedTls(socket, { anyPublicCertificate: false })).toBe(false);
    socket.destroy();
  });

  it('is not one checked against the public CAs without its name (verify-ca without a CA of its own)', async () => {
    const socket = await connect({ ca: cert.cert, checkServerIdentity: () => undefined });
    expect(verifiedTls(socket, { anyPublicCertificate: true })).toBe(false);
    socket.destroy();
  });

  it('is not a plain socket', () => {
    expect(verifiedTls(new net.Socket(), { anyPublicCertificate: false })).toBe(false);
  });
});
