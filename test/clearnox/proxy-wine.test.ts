// Under Wine, no socket may turn TCP keep-alive on (src/wine.ts): neither the direct connection,
// nor the one to the proxy, nor the TLS connection to Clearnox inside the proxy's tunnel.
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dispatcherFor } from '../../src/clearnox/proxy.js';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js';
import { selfSignedCertificate, type TestCertificate } from '../helpers/self-signed.js';
import { startTlsClearnox, type TlsClearnox } from '../helpers/tls-clearnox.js';

const wine = vi.hoisted(() => ({ on: false }));
vi.mock('../../src/wine.js', () => ({ runningUnderWine: () => wine.on }));

let cert: TestCertificate;
let clearnox: TlsClearnox;
let proxy: ConnectProxy;

beforeAll(async () => {
  cert = selfSignedCertificate(['DNS:clearnox.test', 'IP:127.0.0.1']);
  clearnox = await startTlsClearnox(cert);
  proxy = await startConnectProxy({ targetPort: clearnox.port });
});

afterEach(() => vi.restoreAllMocks());

afterAll(async () => {
  await proxy.close();
  await clearnox.close();
  cert.remove();
});

/** Whether any socket asked for keep-alive during one call directly and one through the proxy. */
async function keepAliveAsked(): Promise<boolean[]> {
  const asked: boolean[] = [];
  const real = net.Socket.prototype.setKeepAlive;
  vi.spyOn(net.Socket.prototype, 'setKeepAlive').mockImplementation(function (this: net.Socket, enable?: boolean, delay?: number) {
    asked.push(Boolean(enable));
    return real.call(this, enable, delay);
  });
  const dispatcher = dispatcherFor({ proxy: { url: proxy.url }, caFile: cert.certFile }, '/', { timeoutMs: 5000 });
  try {
    for (const origin of [`https://127.0.0.1:${clearnox.port}`, 'https://clearnox.test']) {
      const res = await dispatcher.request({ origin, path: '/oauth/token', method: 'GET' });
      expect(res.statusCode).toBe(200);
      await res.body.text();
    }
  } finally {
    await dispatcher.close();
  }
  return asked;
}

describe('TCP keep-alive', () => {
  it('is on for every connection elsewhere (what undici does)', async () => {
    wine.on = false;
    const asked = await keepAliveAsked();
    expect(asked.filter(Boolean).length).toBeGreaterThanOrEqual(3);
  });

  it('is never asked for under Wine, directly or through the proxy', async () => {
    wine.on = true;
    const before = proxy.tunnels.length;
    expect(await keepAliveAsked()).not.toContain(true);
    expect(proxy.tunnels.length).toBe(before + 1);
  });
});
