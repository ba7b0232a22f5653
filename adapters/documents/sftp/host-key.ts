// ssh2 accepts any server unless told otherwise, which would hand the login password to whoever
// answers on the address. The server's key is compared with the pinned SHA-256 fingerprint; what
// was received is kept so that a refusal can show the fingerprint to check and pin.
import { createHash } from 'node:crypto';

export interface SeenHostKey {
  fingerprint: string;
  type: string;
}

/** OpenSSH's spelling: SHA256: and the unpadded base64 of the SHA-256 of the key blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

function keyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** Accepts "SHA256:abc", "abc" and padded base64; returns null for anything else (MD5 hex...). */
export function normaliseFingerprint(raw: string): string | null {
  const value = raw.trim().replace(/^SHA256:/i, '').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]{43}$/.test(value)) return null;
  return `SHA256:${value}`;
}

export function hostVerifier(pinned: string[]): { verify: (key: Buffer) => boolean; seen: () => SeenHostKey | undefined } {
  let seen: SeenHostKey | undefined;
  return {
    verify(key: Buffer) {
      seen = { fingerprint: fingerprintOf(key), type: keyType(key) };
      return pinned.includes(seen.fingerprint);
    },
    seen: () => seen,
  };
}

function keyFileName(type: string): string {
  if (type.includes('ed25519')) return 'ed25519';
  if (type.startsWith('ecdsa')) return 'ecdsa';
  return 'rsa';
}

export function hostKeyRefusal(where: string, seen: SeenHostKey, pinned: string[]): string {
  const pin = `hostKeyFingerprint: "${seen.fingerprint}"`;
  const check =
    `Check it with the server's administrator before trusting it: on the server, ssh-keygen -l -f /etc/ssh/ssh_host_${keyFileName(seen.type)}_key.pub ` +
    `prints its fingerprint (on a Windows OpenSSH server: C:\\ProgramData\\ssh\\). `;
  if (pinned.length === 0) {
    return (
      `documents.hostKeyFingerprint is not set, so the SFTP server ${where} is not trusted. It presented a ${seen.type} key ` +
      `with the fingerprint ${seen.fingerprint}. ${check}If it matches, add under documents:  ${pin}`
    );
  }
  return (
    `the SFTP server ${where} presented a ${seen.type} key with the fingerprint ${seen.fingerprint}, which is not the one in ` +
    `documents.hostKeyFingerprint (${pinned.join(', ')}). The server's key has changed, or another machine answers on this address: ` +
    `nothing was sent to it. ${check}If the new key is genuine, replace the fingerprint with  ${pin}`
  );
}
