// The client follows http_proxy/https_proxy, except to this machine: plain http:// is allowed only
// there (the sandbox), and a proxy would carry it, with the client secret, across the network.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciTransport, type HttpRequest } from '../../src/clearnox/http.js';
import { listenLocally, type LocalListener } from '../helpers/local-listener.js';

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'] as const;
let saved: Partial<Record<(typeof PROXY_VARS)[number], string>>;
let proxy: LocalListener;
const proxied: string[] = [];
let api: http.Server;
let apiPort: number;

beforeAll(async () => {
  // A proxy that records what it is asked and refuses it.
  proxy = await listenLocally((socket: net.Socket) => {
    socket.once('data', (d: Buffer) => {
      proxied.push(d.toString('latin1').split('\r\n')[0]!);
      socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
    });
  });
  api = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiPort = (api.address() as net.AddressInfo).port;
  saved = Object.fromEntries(PROXY_VARS.map((v) => [v, process.env[v]]));
  for (const v of PROXY_VARS) delete process.env[v];
  process.env.HTTP_PROXY = process.env.HTTPS_PROXY = `http://127.0.0.1:${proxy.port}`;
});

afterAll(async () => {
  for (const v of PROXY_VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  await proxy.close();
  await new Promise((resolve) => api.close(resolve));
});

const get = (url: string): HttpRequest => ({ operation: 'token', method: 'GET', url: new URL(url), headers: {} });

describe('the Clearnox transport behind a proxy', () => {
  it('reaches this machine directly, and anything else through the proxy', async () => {
    const transport = new UndiciTransport({ timeoutMs: 5000, userAgent: 'test' });
    try {
      expect((await transport.send(get(`http://127.0.0.1:${apiPort}/oauth/token`))).status).toBe(200);
      expect((await transport.send(get(`http://localhost:${apiPort}/oauth/token`))).status).toBe(200);
      expect(proxied).toEqual([]);
      await expect(transport.send(get('http://clearnox.invalid/oauth/token'))).rejects.toBeDefined();
      expect(proxied).toEqual([expect.stringMatching(/clearnox\.invalid/)]);
    } finally {
      await transport.close();
    }
  });
});
