// The CA certificates HTTPS connections are checked against: Node's own list, plus the mapping
// file's caFile and, where Node can read it, the operating system's store. A TLS-inspecting proxy
// signs every site with its own CA; trusting that CA keeps the check on, where turning the check
// off would let anyone on the way read the client secret.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { ConfigError } from '../errors.js';

/** What Node offers; `getCACertificates` exists from Node 22.15 on (absent on 20). */
export interface NodeCertificates {
  rootCertificates: readonly string[];
  getCACertificates?: (type: 'default' | 'system') => string[];
}

export interface TrustSettings {
  caFile?: string | undefined;
  systemCertificates?: boolean | undefined;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/** The certificates of clearnox.caFile, or a ConfigError saying what the file is instead. */
export function readCaFile(file: string, baseDir: string): string[] {
  const full = path.resolve(baseDir, file);
  const problem = (what: string) => new ConfigError(`clearnox.caFile: ${full} ${what}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail(problem("does not exist: give the path of the CA certificate file (PEM), absolute or relative to the mapping file's folder."));
    if (code === 'EISDIR') return fail(problem('is a folder: give the path of the CA certificate file (PEM) itself.'));
    if (code === 'EACCES' || code === 'EPERM') return fail(problem("cannot be read by this account: let the task's account read it."));
    return fail(problem(`cannot be read (${code ?? String(e)}).`));
  }
  const text = bytes.toString('latin1');
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    // DER starts with a SEQUENCE tag; Windows' export wizard writes it unless told "Base-64".
    if (bytes[0] === 0x30) {
      return fail(problem('is a binary (DER) certificate: export it again as "Base-64 encoded X.509 (.CER)", or convert it with `openssl x509 -inform der -in FILE -out FILE.pem`.'));
    }
    if (text.includes('-----BEGIN PKCS7-----')) {
      return fail(problem('is a PKCS #7 bundle (.p7b): export each CA certificate as "Base-64 encoded X.509 (.CER)" and put them one after the other in one file.'));
    }
    return fail(problem('holds no certificate in PEM form (lines -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----).'));
  }
  blocks.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch {
      fail(problem(`holds a damaged certificate (the ${ordinal(i + 1)} of ${blocks.length}): export it again.`));
    }
  });
  return blocks;
}

function fail(e: ConfigError): never {
  throw e;
}

function ordinal(n: number): string {
  return n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`;
}

/** What Node trusts by default; on Node 20, its list and NODE_EXTRA_CA_CERTS, which it cannot list. */
function nodeDefaults(node: NodeCertificates, env: NodeJS.ProcessEnv): string[] {
  if (node.getCACertificates) return node.getCACertificates('default');
  const extra = env['NODE_EXTRA_CA_CERTS'];
  let added: string[] = [];
  if (extra) {
    try {
      added = readFileSync(extra, 'latin1').match(PEM_CERTIFICATE) ?? [];
    } catch {
      // Node itself warned at start-up that it could not read the file.
    }
  }
  return [...node.rootCertificates, ...added];
}

/**
 * The `ca` to give TLS connections, or undefined to leave Node's default (which already holds
 * NODE_EXTRA_CA_CERTS, and the system's store under --use-system-ca). A `ca` replaces Node's list
 * rather than adding to it, so the defaults come first.
 */
export function trustedRoots(settings: TrustSettings, baseDir: string, node: NodeCertificates = tls, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (!settings.caFile && !settings.systemCertificates) return undefined;
  const fromFile = settings.caFile ? readCaFile(settings.caFile, baseDir) : [];
  let fromSystem: string[] = [];
  if (settings.systemCertificates) {
    if (!node.getCACertificates) {
      throw new ConfigError(
        `clearnox.systemCertificates: this Node.js (${process.version}) has no access to the operating system's certificate store (Node.js 22.15 and later have it, as does the clearnox-sync executable). ` +
          'Export the CA certificate from the store (Base-64 encoded X.509, .cer) and give its file as clearnox.caFile instead.',
      );
    }
    fromSystem = node.getCACertificates('system');
  }
  return [...new Set([...nodeDefaults(node, env), ...fromSystem, ...fromFile])];
}
