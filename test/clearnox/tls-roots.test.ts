// clearnox.caFile and clearnox.systemCertificates: the certificates they give are added to Node's
// own (never in their place), a server signed by them is then trusted, and a file that is not a PEM
// bundle, or a Node without access to the system's store, is a mapping-file error that says what
// to give instead.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/clearnox/errors.js';
import { dispatcherFor } from '../../src/clearnox/proxy.js';
import { trustedRoots, type NodeCertificates } from '../../src/clearnox/tls-roots.js';
import { exitCodeForError } from '../../src/cli/errors.js';
import { ConfigError } from '../../src/errors.js';
import { UndiciTransport } from '../../src/clearnox/http.js';
import { selfSignedCertificate, type TestCertificate } from '../helpers/self-signed.js';

let cert: TestCertificate;
let server: https.Server;
let port: number;
let dir: string;

beforeAll(async () => {
  cert = selfSignedCertificate();
  dir = mkdtempSync(path.join(os.tmpdir(), 'cnx-roots-'));
  server = https.createServer({ cert: cert.cert, key: cert.key }, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  cert.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** Node 22.15 and later: the lists by kind; `system` is what this test says the store holds. */
const withSystemStore = (system: string[]): NodeCertificates => ({
  rootCertificates: tls.rootCertificates,
  getCACertificates: (type) => (type === 'system' ? system : [...tls.rootCertificates]),
});
/** Node 20: no getCACertificates. */
const node20: NodeCertificates = { rootCertificates: tls.rootCertificates };

async function status(section: Parameters<typeof dispatcherFor>[0], certificates?: NodeCertificates): Promise<number> {
  const dispatcher = dispatcherFor(section, dir, { timeoutMs: 5000, ...(certificates ? { certificates } : {}) });
  try {
    const res = await dispatcher.request({ origin: `https://127.0.0.1:${port}`, path: '/', method: 'GET' });
    await res.body.text();
    return res.statusCode;
  } finally {
    await dispatcher.close();
  }
}

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect(exitCodeForError(e)).toBe(2);
    return e as ConfigError;
  }
  throw new Error('no error');
}

describe('clearnox.caFile', () => {
  it('adds its certificates to Node\'s own list', () => {
    const roots = trustedRoots({ caFile: cert.certFile }, dir, node20, {})!;
    expect(roots).toContain(cert.cert.trim());
    expect(roots.length).toBe(tls.rootCertificates.length + 1);
    expect(roots).toEqual(expect.arrayContaining([...tls.rootCertificates]));
  });

  it('keeps NODE_EXTRA_CA_CERTS on a Node that cannot list it', () => {
    const extra = selfSignedCertificate(['DNS:extra.example']);
    try {
      const roots = trustedRoots({ caFile: cert.certFile }, dir, node20, { NODE_EXTRA_CA_CERTS: extra.certFile })!;
      expect(roots).toContain(extra.cert.trim());
    } finally {
      extra.remove();
    }
  });

  it('leaves Node\'s default alone when neither key is given', () => {
    expect(trustedRoots({ systemCertificates: false }, dir, node20, {})).toBeUndefined();
  });

  it('makes a server it signs trusted; without it, the message says to give it, never to stop checking', async () => {
    expect(await status({ caFile: path.relative(dir, cert.certFile) })).toBe(200);
    const transport = new UndiciTransport({ timeoutMs: 5000, network: { section: {}, baseDir: dir } });
    const e = await transport.send({ operation: 'token', method: 'GET', url: new URL(`https://localhost:${port}/oauth/token`), headers: {} }).catch((x: unknown) => x);
    await transport.close();
    expect(e).toBeInstanceOf(NetworkError);
    expect((e as NetworkError).kind).toBe('untrusted');
    expect((e as Error).message).toMatch(/certificate was not accepted: .*clearnox\.caFile.*clearnox\.systemCertificates: true/);
    expect((e as Error).message).not.toMatch(/NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized|verification off|insecure/i);
  });

  it('a missing file, a folder, a DER certificate, a PKCS #7 bundle, or text without a certificate: each told', () => {
    const der = path.join(dir, 'ca.cer');
    execFileSync('openssl', ['x509', '-in', cert.certFile, '-outform', 'der', '-out', der]);
    writeFileSync(path.join(dir, 'ca.p7b'), '-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'the proxy CA is on the intranet\n');
    writeFileSync(path.join(dir, 'damaged.pem'), `${cert.cert}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`);
    const told = (file: string) => configError(() => trustedRoots({ caFile: file }, dir, node20, {})).message;
    expect(told('corp-ca.pem')).toBe(`clearnox.caFile: ${path.join(dir, 'corp-ca.pem')} does not exist: give the path of the CA certificate file (PEM), absolute or relative to the mapping file's folder.`);
    expect(told('.')).toMatch(/is a folder/);
    expect(told('ca.cer')).toMatch(/is a binary \(DER\) certificate: export it again as "Base-64 encoded X\.509 \(\.CER\)"/);
    expect(told('ca.p7b')).toMatch(/is a PKCS #7 bundle/);
    expect(told('notes.txt')).toMatch(/holds no certificate in PEM form/);
    expect(told('damaged.pem')).toMatch(/holds a damaged certificate \(the 2nd of 2\)/);
  });

  it('is read when the client is made, so that a wrong one stops the run before anything is sent', () => {
    const e = configError(() => new UndiciTransport({ timeoutMs: 1000, network: { section: { caFile: 'nowhere.pem' }, baseDir: dir } }));
    expect(e.message).toMatch(/^clearnox\.caFile: .*nowhere\.pem does not exist/);
  });
});

describe('clearnox.systemCertificates', () => {
  it('on a Node that reads the system store, loads it into the connections\' CA list', async () => {
    expect(await status({ systemCertificates: true }, withSystemStore([cert.cert]))).toBe(200);
    await expect(status({ systemCertificates: true }, withSystemStore([]))).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('on Node 20, says that this Node has no access to the store, and gives the caFile way', () => {
    const e = configError(() => trustedRoots({ systemCertificates: true }, dir, node20, {}));
    expect(e.message).toBe(
      `clearnox.systemCertificates: this Node.js (${process.version}) has no access to the operating system's certificate store (Node.js 22.15 and later have it, as does the clearnox-sync executable). ` +
        'Export the CA certificate from the store (Base-64 encoded X.509, .cer) and give its file as clearnox.caFile instead.',
    );
  });

  it('is what this Node offers', () => {
    const here = tls as NodeCertificates;
    if (typeof here.getCACertificates === 'function') expect(trustedRoots({ systemCertificates: true }, dir)!.length).toBeGreaterThanOrEqual(tls.rootCertificates.length);
    else expect(() => trustedRoots({ systemCertificates: true }, dir)).toThrow(/has no access to the operating system's certificate store/);
  });
});
