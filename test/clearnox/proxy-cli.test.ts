// The compiled program behind the customer's proxy, as Task Scheduler runs it: `missing` goes
// through clearnox.proxy or HTTPS_PROXY with Basic credentials to an HTTPS server trusted by
// clearnox.caFile; when the proxy refuses the credentials or is down, or a key cannot work,
// stderr names the proxy, the exit code says who must act, and the password shows nowhere.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliResult } from '../helpers/cli.js';
import { closedPort } from '../helpers/closed-port.js';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js';
import { selfSignedCertificate, type TestCertificate } from '../helpers/self-signed.js';
import { startTlsClearnox, type TlsClearnox } from '../helpers/tls-clearnox.js';

const USER = 'svc-clearnox';
const PASSWORD = 'Pr0xy-cli-5518';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const NO_PROXY_ENV = { HTTPS_PROXY: '', HTTP_PROXY: '', NO_PROXY: '', https_proxy: '', http_proxy: '', no_proxy: '' };

let cert: TestCertificate;
let clearnox: TlsClearnox;
let proxy: ConnectProxy;
let dir: string;

beforeAll(async () => {
  cert = selfSignedCertificate(['DNS:clearnox.test']);
  clearnox = await startTlsClearnox(cert);
  proxy = await startConnectProxy({ targetPort: clearnox.port, credentials: { username: USER, password: PASSWORD } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-proxy-cli-'));
  await mkdir(path.join(dir, 'pdfs'));
});

afterAll(async () => {
  await proxy.close();
  await clearnox.close();
  cert.remove();
  await rm(dir, { recursive: true, force: true });
});

/** A mapping file whose clearnox section ends with `network` lines; no repeats, so a failure is told at once. */
async function mapping(name: string, network: string[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(
    file,
    [
      'version: 1',
      'clearnox:',
      '  baseUrl: https://clearnox.test',
      '  clientId: connector-1',
      '  clientSecret: ${env:CNX_SECRET}',
      '  retries: 0',
      ...network.map((l) => `  ${l}`),
      'source:',
      '  type: none',
      '  pathTemplate: "{{documentNumber}}.pdf"',
      'documents:',
      '  type: local',
      '  root: pdfs',
      '',
    ].join('\n'),
  );
  return file;
}

const viaKey = (password = '${env:PROXY_PASSWORD}') => ['proxy:', `  url: ${proxy.url}`, `  username: ${USER}`, `  password: ${password}`, `caFile: ${cert.certFile}`];

async function missing(file: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  const r = await cli(['missing', '--config', file], { ...NO_PROXY_ENV, CNX_SECRET: 'cnx-cli-secret-1', ...env });
  const out = r.stdout + r.stderr;
  expect(out).not.toContain(PASSWORD);
  expect(out).not.toContain(BASIC);
  expect(out).not.toMatch(/NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized|verification off/i);
  return r;
}

describe('the program behind a proxy', () => {
  it('lists the entries through clearnox.proxy, with its credentials, trusting clearnox.caFile', async () => {
    const before = proxy.tunnels.length;
    const r = await missing(await mapping('key.yaml', viaKey()), { PROXY_PASSWORD: PASSWORD });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 entries without a document.');
    expect(new Set(proxy.tunnels.slice(before))).toEqual(new Set(['clearnox.test:443']));
    expect(proxy.authorizations.at(-1)).toBe(`Basic ${BASIC}`);
  });

  it('lists them through HTTPS_PROXY with the credentials of its address', async () => {
    const r = await missing(await mapping('env.yaml', [`caFile: ${cert.certFile}`]), { HTTPS_PROXY: `http://${USER}:${PASSWORD}@127.0.0.1:${proxy.port}` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 entries without a document.');
  });

  it('credentials refused: exit code 5, the proxy named, the password nowhere', async () => {
    const r = await missing(await mapping('wrong.yaml', viaKey()), { PROXY_PASSWORD: 'not-the-proxy-password' });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain(`The proxy ${proxy.url} (from clearnox.proxy.url) refused the credentials it was given while getting an access token from Clearnox at clearnox.test`);
    expect(r.stderr).not.toContain('not-the-proxy-password');
    expect(r.stderr).not.toMatch(/clearnox\.baseUrl/);
  });

  it('a run refused by the proxy: its log and report name the proxy, and hold no password', async () => {
    const log = path.join(dir, 'run.log');
    const report = path.join(dir, 'run-report.json');
    const r = await cli(['run', '--config', await mapping('run.yaml', viaKey()), '--log-file', log, '--report', report], {
      ...NO_PROXY_ENV,
      CNX_SECRET: 'cnx-cli-secret-1',
      PROXY_PASSWORD: 'Wr0ng-run-pass',
    });
    expect(r.code, r.stderr).toBe(5);
    const written = [r.stdout, r.stderr, await readFile(log, 'utf8'), await readFile(report, 'utf8')].join('\n');
    expect(written).toContain(`The proxy ${proxy.url} (from clearnox.proxy.url) refused the credentials`);
    for (const secret of ['Wr0ng-run-pass', Buffer.from(`${USER}:Wr0ng-run-pass`).toString('base64'), 'cnx-cli-secret-1']) expect(written).not.toContain(secret);
  });

  it('the password of HTTPS_PROXY refused: exit code 5, and that password nowhere either', async () => {
    const r = await missing(await mapping('env-wrong.yaml', [`caFile: ${cert.certFile}`]), { HTTPS_PROXY: `http://${USER}:Wr0ng-env-pass@127.0.0.1:${proxy.port}` });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain(`The proxy ${proxy.url} (from HTTPS_PROXY) refused the credentials`);
    expect(r.stderr).toContain("check the user name and password in the variable HTTPS_PROXY (URL-encoded) with the proxy's administrator");
    expect(r.stdout + r.stderr).not.toContain('Wr0ng-env-pass');
  });

  it('no credentials where the proxy wants them: exit code 2, set them in the mapping file', async () => {
    const r = await missing(await mapping('none.yaml', ['proxy:', `  url: ${proxy.url}`, `caFile: ${cert.certFile}`]), {});
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`The proxy ${proxy.url} (from clearnox.proxy.url) asked for authentication`);
    expect(r.stderr).toContain('set clearnox.proxy.username and clearnox.proxy.password');
  });

  it('the proxy down: exit code 3, the proxy named rather than clearnox.baseUrl', async () => {
    const port = await closedPort();
    const r = await missing(await mapping('down.yaml', [`caFile: ${cert.certFile}`]), { HTTPS_PROXY: `http://${USER}:${PASSWORD}@127.0.0.1:${port}` });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`The proxy http://127.0.0.1:${port} (from HTTPS_PROXY) refused the connection`);
    expect(r.stderr).not.toMatch(/clearnox\.baseUrl/);
  });

  it('a caFile that is not there: exit code 2 before anything is sent', async () => {
    const before = proxy.tunnels.length;
    const r = await missing(await mapping('no-file.yaml', [...viaKey().slice(0, 4), 'caFile: corp-ca.pem']), { PROXY_PASSWORD: PASSWORD });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`clearnox.caFile: ${path.join(dir, 'corp-ca.pem')} does not exist`);
    expect(proxy.tunnels.length).toBe(before);
  });

  it('systemCertificates: loaded where this Node has the store, else told to give caFile', async () => {
    const r = await missing(await mapping('system.yaml', [...viaKey().slice(0, 4), 'systemCertificates: true']), { PROXY_PASSWORD: PASSWORD });
    if (typeof (tls as { getCACertificates?: unknown }).getCACertificates === 'function') {
      // The store does not hold the test's CA: the certificate is refused, not the key.
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).not.toContain('has no access');
    } else {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`clearnox.systemCertificates: this Node.js (${process.version}) has no access to the operating system's certificate store`);
      expect(r.stderr).toContain('clearnox.caFile');
    }
  });
});
