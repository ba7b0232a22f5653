// A self-signed certificate made at test time (openssl), its own CA: a client given it as the CA
// can verify the server, a client given nothing must refuse it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  cert: string;
  key: string;
  /** The certificate as a file, for the mapping file's CA keys. */
  certFile: string;
  remove(): void;
}

export function selfSignedCertificate(names = ['IP:127.0.0.1', 'DNS:localhost']): TestCertificate {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cnx-cert-'));
  const certFile = path.join(dir, 'server.crt');
  const keyFile = path.join(dir, 'server.key');
  const cn = names[0]!.replace(/^\w+:/, '');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', `subjectAltName=${names.join(',')}`], { stdio: 'pipe' });
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
