// When a database server may have the password in a form it can read: sent as it is, as an MD5
// hash that logs in as well as the password, or encrypted under an RSA key the server sends
// itself. Whoever answers at the server's address (a wrong DNS answer, a machine that took over
// the IP) can ask for it that way, so it is only answered over TLS whose certificate was verified,
// or under a key the mapping file pins. Challenge-response methods (SCRAM, mysql_native_password,
// caching_sha2_password's fast path) never send the password and stay allowed.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { AdapterConfigError, UntrustedServerError, type AdapterContext } from '../types.js';
import { where, type Target } from './errors.js';

export const ALLOW_KEY = 'source.allowPasswordWithoutVerifiedTls';

export const allowPasswordWithoutVerifiedTls = z
  .boolean()
  .default(false)
  .describe(
    'For a legacy server only: lets it have the password in a form it can read (PostgreSQL cleartext or MD5; MySQL mysql_clear_password, or RSA under a key the server sends; a SQL Server login on a connection not encrypted) without TLS whose certificate is verified. ' +
      'Risk: whoever can answer at the server\'s address on the network receives the password.',
  );

export interface PasswordPolicy {
  target: Target;
  /** source.allowPasswordWithoutVerifiedTls */
  allowUnverified: boolean;
  /**
   * The certificate's name is not checked and the mapping file gives no CA of its own (verify-ca
   * against the public CAs; MySQL short of VERIFY_IDENTITY): any certificate a public CA signed for
   * any name would pass.
   */
  anyPublicCertificate: boolean;
  /** How to give the server's CA, in the adapter's own keys. */
  howToVerify: string;
}

/** A TLS connection whose certificate chain and name (or a CA the mapping file gives) were verified. */
export function verifiedTls(stream: unknown, policy: Pick<PasswordPolicy, 'anyPublicCertificate'>): boolean {
  return stream instanceof TLSSocket && stream.authorized === true && !policy.anyPublicCertificate;
}

/** `what` says how the server asked, e.g. "in cleartext". */
export function passwordRefused(policy: PasswordPolicy, what: string, orElse = ''): UntrustedServerError {
  return new UntrustedServerError(
    `${where(policy.target)} asked for the password ${what}, on a connection whose certificate was not verified: ` +
      `the password was not sent, since whoever answers at that address would have it. ` +
      `If this is your server, ${policy.howToVerify}${orElse}. ` +
      `Only for a legacy server on a network you trust: ${ALLOW_KEY}: true.`,
  );
}

/** A public key file named in the mapping file (PEM), read now so that a wrong file is a clear error. */
export async function readPublicKey(key: string, file: string | undefined, ctx: AdapterContext): Promise<KeyObject | undefined> {
  if (!file) return undefined;
  const full = path.resolve(ctx.baseDir, file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch {
    throw new AdapterConfigError(`${key}: cannot read the public key file ${full}.`);
  }
  try {
    return createPublicKey(text);
  } catch {
    throw new AdapterConfigError(`${key}: ${full} holds no public key in PEM ("-----BEGIN PUBLIC KEY-----").`);
  }
}

/** SHA-256 of the key's DER (SubjectPublicKeyInfo), as `openssl pkey -pubin -outform DER | sha256sum` prints it. */
export function keyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}
