// A real CONNECT proxy with Basic authentication in front of an HTTPS server whose certificate is
// made at test time: the mapping file's proxy or HTTPS_PROXY's is used, with its credentials;
// NO_PROXY and `proxy: none` go direct; and when the proxy is the problem, the error names it
// (and where it was set) rather than clearnox.baseUrl, with the exit code of the cause.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/clearnox/errors.js';
import { fetch } from 'undici';
import { UndiciTransport, tunnelStatus, type HttpRequest } from '../../src/clearnox/http.js';
import { dispatcherFor } from '../../src/clearnox/proxy.js';
import { exitCodeForError } from '../../src/cli/errors.js';
import type { NetworkSection } from '../../src/mapping/sections/network.js';
import { closedPort } from '../helpers/closed-port.js';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js';
import { answerUnknownHosts } from '../helpers/dns.js';
import { selfSignedCertificate, type TestCertificate } from '../helpers/self-signed.js';
import { startTlsClearnox, type TlsClearnox } from '../helpers/tls-clearnox.js';

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'] as const;
const USER = 'svc-clearnox';
const PASSWORD = 'Pr0xy-pass-7731';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

let cert: TestCertificate;
let clearnox: TlsClearnox;
let saved: Record<string, string | undefined>;
const proxies: ConnectProxy[] = [];
let restoreDns: () => void;

beforeAll(async () => {
  cert = selfSignedCertificate(['DNS:clearnox.test', 'DNS:clearnox.invalid', 'IP:127.0.0.1']);
  clearnox = await startTlsClearnox(cert);
  saved = Object.fromEntries(PROXY_VARS.map((v) => [v, process.env[v]]));
  restoreDns = answerUnknownHosts();
});

afterEach(async () => {
  for (const v of PROXY_VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  restoreDns();
  await clearnox.close();
  cert.remove();
});

async function proxy(opts: { credentials?: boolean; answer?: number } = {}): Promise<ConnectProxy> {
  const p = await startConnectProxy({
    targetPort: clearnox.port,
    ...(opts.credentials === false ? {} : { credentials: { username: USER, password: PASSWORD } }),
    ...(opts.answer ? { answer: opts.answer } : {}),
  });
  proxies.push(p);
  return p;
}

/** The environment of the scheduled task: only these proxy variables. */
function environment(vars: Partial<Record<(typeof PROXY_VARS)[number], string>>): void {
  for (const v of PROXY_VARS) delete process.env[v];
  Object.assign(process.env, vars);
}

const token = (host = 'clearnox.test'): HttpRequest => ({ operation: 'token', method: 'GET', url: new URL(`https://${host}/oauth/token`), headers: {} });

async function send(section: NetworkSection, host?: string) {
  const transport = new UndiciTransport({ timeoutMs: 10_000, network: { section, baseDir: '/' } });
  try {
    return await transport.send(token(host));
  } finally {
    await transport.close();
  }
}

async function failure(section: NetworkSection, host?: string): Promise<NetworkError> {
  const e = await send(section, host).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(NetworkError);
  const err = e as NetworkError;
  // Never the password, nor the header that carries it.
  for (const shown of [err.message, String(err), JSON.stringify(err)]) {
    expect(shown).not.toContain(PASSWORD);
    expect(shown).not.toContain(BASIC);
  }
  // Never advice to stop checking certificates.
  expect(err.message).not.toMatch(/NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized|verification off|insecure/i);
  return err;
}

describe('the way to Clearnox through a proxy', () => {
  it('takes the mapping file\'s proxy with its credentials, and trusts the server by clearnox.caFile', async () => {
    const p = await proxy();
    environment({});
    const res = await send({ proxy: { url: p.url, username: USER, password: PASSWORD }, caFile: cert.certFile });
    expect(res.status).toBe(200);
    expect(p.tunnels).toEqual(['clearnox.test:443']);
    expect(p.authorizations).toEqual([`Basic ${BASIC}`]);
  });

  it.each(['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY'] as const)('takes %s without the key, with the credentials of its address', async (name) => {
    const p = await proxy();
    environment({ [name]: `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${p.port}` });
    expect((await send({ caFile: cert.certFile })).status).toBe(200);
    expect(p.authorizations).toEqual([`Basic ${BASIC}`]);
  });

  it('speaks TLS to an https:// proxy, whose certificate is checked like Clearnox\'s', async () => {
    const p = await startConnectProxy({ targetPort: clearnox.port, credentials: { username: USER, password: PASSWORD }, tls: { cert: cert.cert, key: cert.key } });
    proxies.push(p);
    environment({});
    expect(p.url).toMatch(/^https:/);
    const section = { proxy: { url: p.url, username: USER, password: PASSWORD }, caFile: cert.certFile };
    expect((await send(section)).status).toBe(200);
    expect(p.authorizations).toEqual([`Basic ${BASIC}`]);
    const untrusted = await failure({ proxy: section.proxy });
    expect([untrusted.failure, untrusted.kind]).toEqual(['tls', 'untrusted']);
    expect(untrusted.message).toMatch(new RegExp(`^The TLS certificate of the proxy ${p.url.replace(/\./g, '\\.')} \\(from clearnox\\.proxy\\.url\\), or of Clearnox at clearnox\\.test through it, was not accepted .*clearnox\\.caFile.*clearnox\\.systemCertificates: true`));
    // Nothing was sent to a proxy that did not prove its identity: not even the credentials.
    expect(p.authorizations).toHaveLength(1);
  });

  it('prefers the key to HTTPS_PROXY, and `proxy: none` goes direct whatever it says', async () => {
    const p = await proxy();
    const other = await proxy();
    environment({ HTTPS_PROXY: other.url });
    expect((await send({ proxy: { url: p.url, username: USER, password: PASSWORD }, caFile: cert.certFile })).status).toBe(200);
    expect([p.tunnels.length, other.tunnels.length]).toEqual([1, 0]);
    const direct = await failure({ proxy: 'none' }, 'clearnox.invalid');
    expect(direct.failure).toBe('dns');
    expect(direct.proxy).toBeUndefined();
    expect(other.tunnels).toEqual([]);
  });

  it('goes direct to the hosts of NO_PROXY or clearnox.proxy.noProxy, and through the proxy to the others', async () => {
    const p = await proxy();
    environment({ HTTPS_PROXY: p.url, NO_PROXY: 'erp.local,.invalid' });
    const viaEnv = await failure({}, 'clearnox.invalid');
    expect(viaEnv.message).toMatch(/^Could not reach Clearnox at clearnox\.invalid .*ENOTFOUND.*does not resolve/);
    expect(p.tunnels).toEqual([]);
    environment({});
    const viaKey = await failure({ proxy: { url: p.url, noProxy: ['clearnox.invalid'] } }, 'clearnox.invalid');
    expect(viaKey.failure).toBe('dns');
    expect(p.tunnels).toEqual([]);
    await failure({ proxy: { url: p.url, noProxy: ['erp.local'] } }, 'clearnox.invalid');
    expect(p.tunnels).toEqual(['clearnox.invalid:443']);
  });
});

describe('when the proxy is the problem, the error names it', () => {
  it('refused credentials: 407 to the ones given, exit code 5', async () => {
    const p = await proxy();
    environment({});
    const e = await failure({ proxy: { url: p.url, username: USER, password: 'not-the-password' }, caFile: cert.certFile });
    expect([e.failure, e.kind, e.retryable]).toEqual(['proxy-auth', 'credentials', false]);
    expect(e.message).toBe(
      `The proxy ${p.url} (from clearnox.proxy.url) refused the credentials it was given while getting an access token from Clearnox at clearnox.test ` +
        '(it answered 407 Proxy Authentication Required to CONNECT clearnox.test:443): check clearnox.proxy.username and clearnox.proxy.password ' +
        'with the proxy\'s administrator.',
    );
    expect(exitCodeForError(e)).toBe(5);
  });

  it('no credentials: the proxy asks for them, and the mapping file must give them (exit code 2)', async () => {
    const p = await proxy();
    environment({ HTTPS_PROXY: p.url });
    const e = await failure({ caFile: cert.certFile });
    expect([e.failure, e.kind]).toEqual(['proxy-auth', 'config']);
    expect(e.message).toMatch(new RegExp(`^The proxy http://127\\.0\\.0\\.1:${p.port} \\(from HTTPS_PROXY\\) asked for authentication .*: set clearnox\\.proxy\\.username and clearnox\\.proxy\\.password in the mapping file, with clearnox\\.proxy\\.url, instead of HTTPS_PROXY`));
    expect(e.message).not.toMatch(/clearnox\.baseUrl/);
    expect(exitCodeForError(e)).toBe(2);
  });

  it('a proxy that is down: refused, the next run tries again (exit code 3)', async () => {
    const port = await closedPort();
    environment({ HTTPS_PROXY: `http://${USER}:${PASSWORD}@127.0.0.1:${port}` });
    const e = await failure({});
    expect([e.failure, e.kind, e.retryable]).toEqual(['refused', 'unreachable', true]);
    expect(e.message).toMatch(new RegExp(`^The proxy http://127\\.0\\.0\\.1:${port} \\(from HTTPS_PROXY\\) refused the connection while getting an access token from Clearnox at clearnox\\.test \\(ECONNREFUSED\\): check the proxy's address and port in the variable HTTPS_PROXY`));
    expect(e.message).not.toMatch(/clearnox\.baseUrl/);
    expect(exitCodeForError(e)).toBe(3);
  });

  it('a variable the program cannot read: told without its password', async () => {
    environment({ HTTPS_PROXY: `http://${USER}:100%pure@127.0.0.1:3128` });
    const e = (() => {
      try {
        new UndiciTransport({ timeoutMs: 1000 });
      } catch (x) {
        return x as Error;
      }
      throw new Error('no error');
    })();
    expect(e.message).toBe('The user name or password in the variable HTTPS_PROXY is not URL-encoded: write % as %25 (and @ as %40, : as %3A), or set clearnox.proxy in the mapping file.');
    expect(exitCodeForError(e)).toBe(2);
    environment({ HTTPS_PROXY: 'socks5://127.0.0.1:1080' });
    expect(() => new UndiciTransport({ timeoutMs: 1000 })).toThrow(/^The variable HTTPS_PROXY names a socks5 proxy; clearnox-sync goes through HTTP proxies/);
  });

  it('a proxy whose name does not resolve', async () => {
    environment({});
    const e = await failure({ proxy: { url: 'http://proxy.invalid:3128' } });
    expect(e.failure).toBe('dns');
    expect(e.message).toMatch(/^The host name of the proxy http:\/\/proxy\.invalid:3128 \(from clearnox\.proxy\.url\) does not resolve .*check its spelling in clearnox\.proxy\.url/);
  });

  it('a proxy that will not open the tunnel (403) names the proxy and Clearnox\'s host', async () => {
    const p = await proxy({ answer: 403 });
    environment({ HTTPS_PROXY: p.url });
    const e = await failure({});
    expect([e.failure, e.kind, e.retryable]).toEqual(['proxy-denied', 'credentials', false]);
    expect(e.message).toMatch(new RegExp(`^The proxy ${p.url.replace(/\./g, '\\.')} \\(from HTTPS_PROXY\\) would not open a connection to clearnox\\.test .*403 Forbidden to CONNECT clearnox\\.test:443.*allow clearnox\\.test`));
  });

  it('a proxy that cannot reach Clearnox (502): transient, repeated', async () => {
    const p = await proxy({ answer: 502 });
    environment({ HTTPS_PROXY: p.url });
    const e = await failure({});
    expect([e.failure, e.kind, e.retryable]).toEqual(['proxy-gateway', 'unreachable', true]);
    expect(e.message).toMatch(/could not reach clearnox\.test .*502 Bad Gateway to CONNECT clearnox\.test:443/);
  });

  it('a certificate replaced on the way: trust the proxy\'s CA (caFile or systemCertificates), never stop checking', async () => {
    const p = await proxy();
    environment({});
    const e = await failure({ proxy: { url: p.url, username: USER, password: PASSWORD } });
    expect([e.failure, e.kind]).toEqual(['tls', 'untrusted']);
    expect(e.message).toMatch(new RegExp(`^The TLS certificate of Clearnox at clearnox\\.test, received through the proxy ${p.url.replace(/\./g, '\\.')} \\(from clearnox\\.proxy\\.url\\), was not accepted`));
    expect(e.message).toMatch(/TLS-inspecting proxy .* clearnox\.caFile.* clearnox\.systemCertificates: true/);
    expect(exitCodeForError(e)).toBe(5);
  });
});

describe('the status of a refused tunnel, for other HTTPS clients', () => {
  it('is read from fetch\'s error as from request()\'s', async () => {
    const p = await proxy();
    environment({});
    const dispatcher = dispatcherFor({ proxy: { url: p.url } }, '/', { timeoutMs: 5000 });
    try {
      const viaFetch = await fetch('https://clearnox.test/oauth/token', { dispatcher }).catch((x: unknown) => x);
      expect(viaFetch).toBeInstanceOf(TypeError);
      expect(tunnelStatus(viaFetch)).toBe(407);
      expect(tunnelStatus(new Error('connect ECONNREFUSED 127.0.0.1:3128'))).toBeUndefined();
    } finally {
      await dispatcher.close();
    }
  });
});
