// Clearnox's two first calls over HTTPS, with a certificate made at test time: a token, then an
// empty list of entries. Enough for `missing` to succeed once the way to it is right.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCertificate } from './self-signed.js';

export interface TlsClearnox {
  port: number;
  /** Paths asked for, in order. */
  paths: string[];
  close(): Promise<void>;
}

export async function startTlsClearnox(cert: TestCertificate): Promise<TlsClearnox> {
  const paths: string[] = [];
  const server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    paths.push(req.url!);
    req.resume();
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/oauth/token') return json(200, { access_token: 'tok-tls', token_type: 'Bearer', expires_in: 3600 });
    if (req.url?.startsWith('/api/v1/entries/without-document')) return json(200, { data: [], page: 1, pageSize: 1000, totalItems: 0, totalPages: 0 });
    return json(404, { error: { code: 'NOT_FOUND', message: 'no such path' } });
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
