// mysql2's `authPlugins` for the three ways a MySQL/MariaDB server can have the password itself:
// mysql_clear_password (sent as it is), and the full exchange of caching_sha2_password and
// sha256_password (sent as it is over TLS, or encrypted under an RSA key the server sends). Each
// goes ahead only over TLS whose certificate was verified, or, for RSA, under the key the mapping
// file pins. caching_sha2_password's fast path (a scramble, no password) is mysql2's own.
// Giving mysql2 a plugin for a method also stops it from answering that method in its first
// packet, where it would otherwise send the password on any TLS connection, verified or not.
import { constants, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto';
import { UntrustedServerError } from '../types.js';
import { where } from './errors.js';
import { keyFingerprint, passwordRefused, verifiedTls, type PasswordPolicy } from './password-guard.js';

export const PIN_KEY = 'source.serverPublicKeyFile';

interface PluginContext {
  connection: { config: { password?: string }; stream?: unknown };
  command?: unknown;
}
type AuthPlugin = (ctx: PluginContext) => (data: Buffer) => unknown;
interface Mysql2AuthPlugins {
  caching_sha2_password(o: { overrideIsSecure?: boolean; onServerPublicKey?: (key: Buffer) => void }): AuthPlugin;
  sha256_password(o: object): AuthPlugin;
  mysql_clear_password(o: object): AuthPlugin;
}

export interface MysqlPasswordPolicy extends PasswordPolicy {
  /** source.serverPublicKeyFile: the server's RSA key, as the DBA gave it. */
  pinnedKey?: KeyObject;
}

/** mysql2's own plugins, loaded when a mapping file names MySQL/MariaDB rather than at start-up. */
export async function mysql2AuthPlugins(): Promise<Mysql2AuthPlugins> {
  const { default: mysql2 } = await import('mysql2');
  return (mysql2 as unknown as { authPlugins: Mysql2AuthPlugins }).authPlugins;
}

export function guardedAuthPlugins(policy: MysqlPasswordPolicy, library: Mysql2AuthPlugins): Record<string, AuthPlugin> {
  // The legacy opt-in leaves mysql2 as it is, unless a key is pinned: that one is still checked.
  if (policy.allowUnverified && !policy.pinnedKey) return { mysql_clear_password: library.mysql_clear_password({}) };
  const verified = (ctx: PluginContext) => verifiedTls(ctx.connection.stream, policy);
  const rsaAdvice = `, or pin the server's RSA public key: ${PIN_KEY} naming a PEM file of it (on MySQL 8, SHOW STATUS LIKE 'Caching_sha2_password_rsa_public_key' prints it)`;
  // The key the server sends, accepted only when it is the pinned one.
  const pinned = (sent: Buffer, plugin: string): KeyObject => {
    if (!policy.pinnedKey) throw passwordRefused(policy, `under an RSA key it sends itself (${plugin})`, rsaAdvice);
    const key = readKey(sent);
    if (!key || keyFingerprint(key) !== keyFingerprint(policy.pinnedKey)) {
      throw new UntrustedServerError(
        `${where(policy.target)} sent an RSA public key${key ? ` (SHA-256 ${keyFingerprint(key)})` : ''} that is not the one ${PIN_KEY} names (SHA-256 ${keyFingerprint(policy.pinnedKey)}): ` +
          'the password was not sent. If the server\'s key was changed, put the new one in that file; otherwise another machine is answering at that address.',
      );
    }
    return key;
  };
  return {
    mysql_clear_password: (ctx) => {
      if (verified(ctx) || policy.allowUnverified) return library.mysql_clear_password({})(ctx);
      return () => {
        throw passwordRefused(policy, 'in cleartext (mysql_clear_password)', '');
      };
    },
    caching_sha2_password: (ctx) =>
      library.caching_sha2_password({
        // Over a verified connection mysql2 sends the password as it is; otherwise it asks for the
        // server's key, which is checked before it encrypts under it.
        overrideIsSecure: verified(ctx),
        onServerPublicKey: (key) => void pinned(key, 'caching_sha2_password'),
      })(ctx),
    sha256_password: (ctx) => {
      // mysql2's own plugin sends the password as it is on any TLS connection, verified or not.
      if (verified(ctx)) return library.sha256_password({})(ctx);
      let scramble: Buffer | undefined;
      return (data) => {
        if (!scramble) {
          scramble = Buffer.from(data.subarray(0, 20));
          return Buffer.from([1]); // the server's key, please
        }
        return encryptPassword(ctx.connection.config.password ?? '', scramble, pinned(data, 'sha256_password'));
      };
    },
  };
}

function readKey(pem: Buffer): KeyObject | null {
  try {
    return createPublicKey(pem);
  } catch {
    return null;
  }
}

// sha256_password's RSA answer: the password and a NUL, XORed with the scramble, under RSA-OAEP.
function encryptPassword(password: string, scramble: Buffer, key: KeyObject): Buffer {
  const clear = Buffer.from(`${password}\0`, 'utf8');
  for (let i = 0; i < clear.length; i++) clear[i]! ^= scramble[i % scramble.length]!;
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, clear);
}
