// The transport sends through undici's request() rather than fetch; what fetch gave for free is
// checked here: a streamed upload with its Content-Length, directly and through a proxy's tunnel,
// a redirect reported rather than followed, a local file fault kept local, and a timeout that
// holds even while a proxy stalls the connection.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { truncate } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { NetworkError, ProtocolError } from '../../src/clearnox/errors.js';
import { UndiciTransport, type HttpRequest } from '../../src/clearnox/http.js';
import { FileChangedError, READ_BYTES, fileFormBody } from '../../src/clearnox/multipart-body.js';
import { archiveFiles, zipPart } from './archive-files.js';

const file = archiveFiles('clearnox-transport-');

interface Seen {
  url: string;
  headers: http.IncomingHttpHeaders;
  bytes: number;
}

/** Records each request (its body counted, not kept) and answers with `answer`. */
function recorder(seen: Seen[], answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): http.Server {
  return http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      seen.push({ url: req.url!, headers: req.headers, bytes });
      answer(req, res);
    });
  });
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const closeServer = (server: http.Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const upload = (url: string, body: Awaited<ReturnType<typeof fileFormBody>>): HttpRequest => ({
  operation: 'upload',
  method: 'POST',
  url: new URL(url),
  headers: {},
  body: async () => body,
});

describe('the transport, directly', () => {
  const seen: Seen[] = [];
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = recorder(seen, (req, res) => {
      if (req.url === '/oauth/token') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'tok-streamed', token_type: 'Bearer', expires_in: 3600 }));
      } else {
        res.writeHead(308, { location: 'https://elsewhere.example/api/v1/documents/imports' }).end();
      }
    });
    port = await listen(server);
  });
  afterAll(() => closeServer(server));

  it('answers a redirect with where it points, and follows it with neither the archive nor the token', async () => {
    seen.length = 0;
    const path = await file('archive-0002.zip', Buffer.alloc(5000, 4));
    const client = new ClearnoxClient({ baseUrl: `http://127.0.0.1:${port}`, clientId: 'id', clientSecret: 'secret-redirect', retries: 0 });
    try {
      const e = await client.uploadArchive(path, 'k-redirect').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as Error).message).toMatch(/308.*redirecting to https:\/\/elsewhere\.example\/api\/v1\/documents\/imports.*clearnox\.baseUrl/);
    } finally {
      await client.close();
    }
    const sent = seen.find((s) => s.url === '/api/v1/documents/imports')!;
    expect(Number(sent.headers['content-length'])).toBe(sent.bytes);
    expect(sent.bytes).toBeGreaterThan(5000);
    expect(sent.headers['transfer-encoding']).toBeUndefined();
    expect(seen.map((s) => s.url)).toEqual(['/oauth/token', '/api/v1/documents/imports']);
  });

  it('rethrows a file that changed as it is, not as a network failure', async () => {
    const path = await file('changes.zip', Buffer.alloc(3 * READ_BYTES, 3));
    const transport = new UndiciTransport({ timeoutMs: 10_000, userAgent: 'test' });
    try {
      const body = await fileFormBody(path, zipPart('changes.zip'));
      await truncate(path, 10);
      await expect(transport.send(upload(`http://127.0.0.1:${port}/x`, body))).rejects.toThrow(FileChangedError);
    } finally {
      await transport.close();
    }
  });
});

describe('the transport through a proxy', () => {
  const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'] as const;
  let saved: Partial<Record<(typeof PROXY_VARS)[number], string>>;
  const servers: http.Server[] = [];
  beforeAll(() => {
    saved = Object.fromEntries(PROXY_VARS.map((v) => [v, process.env[v]]));
  });
  afterEach(async () => {
    for (const v of PROXY_VARS) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
    await Promise.all(servers.splice(0).map(closeServer));
  });

  /** undici reaches even an http:// address through the proxy's CONNECT tunnel. */
  async function useProxy(onConnect: (req: http.IncomingMessage, socket: Socket) => void): Promise<string[]> {
    const tunnels: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, socket: Socket) => {
      tunnels.push(req.url!);
      onConnect(req, socket);
    });
    servers.push(proxy);
    const port = await listen(proxy);
    for (const v of PROXY_VARS) delete process.env[v];
    process.env.HTTP_PROXY = `http://127.0.0.1:${port}`;
    return tunnels;
  }

  it('sends a streamed upload whole through the tunnel, with its Content-Length', async () => {
    const seen: Seen[] = [];
    const target = recorder(seen, (_req, res) => res.writeHead(202, { 'content-type': 'application/json' }).end('{"importId":"imp_p","status":"processing"}'));
    servers.push(target);
    const tunnels = await useProxy((_req, socket) => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      target.emit('connection', socket);
    });
    const transport = new UndiciTransport({ timeoutMs: 10_000, userAgent: 'test' });
    try {
      const body = await fileFormBody(await file('proxied.zip', randomBytes(READ_BYTES + 7)), zipPart('proxied.zip'));
      const res = await transport.send(upload('http://clearnox.invalid/api/v1/documents/imports', body));
      expect(res.status).toBe(202);
      expect(tunnels).toEqual(['clearnox.invalid:80']);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ url: '/api/v1/documents/imports', bytes: body.contentLength });
      expect(seen[0]!.headers['content-length']).toBe(String(body.contentLength));
    } finally {
      await transport.close();
    }
  });

  it('gives up at its timeout when the proxy drops every tunnel it is asked for', async () => {
    // undici then reconnects without end and request() alone would never settle (undici #386, #3897).
    await useProxy((_req, socket) => socket.destroy());
    const transport = new UndiciTransport({ timeoutMs: 300, userAgent: 'test' });
    try {
      const e = await transport.send({ operation: 'entries', method: 'GET', url: new URL('http://clearnox.invalid/api/v1/entries/without-document'), headers: {} }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(NetworkError);
      expect(e).toMatchObject({ failure: 'timeout', retryable: true });
    } finally {
      await transport.close();
    }
  }, 10_000);

  it('stops at once when the run is stopped while the proxy stalls', async () => {
    await useProxy((_req, socket) => socket.destroy());
    const transport = new UndiciTransport({ timeoutMs: 60_000, userAgent: 'test' });
    const stop = new AbortController();
    try {
      const sent = transport.send({ operation: 'entries', method: 'GET', url: new URL('http://clearnox.invalid/x'), headers: {} }, stop.signal);
      setTimeout(() => stop.abort(new Error('stopped by the test')), 50);
      await expect(sent).rejects.toThrow('stopped by the test');
    } finally {
      await transport.close();
    }
  }, 10_000);
});
