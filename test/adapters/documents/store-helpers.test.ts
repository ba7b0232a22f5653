// The small parsers the remote stores stand on: smbclient's messages and SSH fingerprints.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, hostKeyRefusal, normaliseFingerprint } from '../../../adapters/documents/sftp/host-key.js';
import { classify } from '../../../adapters/documents/smb/smbclient.js';

describe("smbclient's messages", () => {
  it.each([
    ['NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \\a.pdf', 'not_found'],
    ['NT_STATUS_OBJECT_PATH_NOT_FOUND opening remote file \\x\\a.pdf', 'not_found'],
    ['NT_STATUS_ACCESS_DENIED opening remote file \\a.pdf', 'permission_denied'],
    ['NT_STATUS_FILE_IS_A_DIRECTORY opening remote file \\dir', 'is_folder'],
    ['session setup failed: NT_STATUS_LOGON_FAILURE', 'logon'],
    ['session setup failed: NT_STATUS_ACCOUNT_DISABLED', 'logon'],
    ['tree connect failed: NT_STATUS_BAD_NETWORK_NAME', 'config'],
    ['parallel_read returned NT_STATUS_CONNECTION_RESET', 'connection'],
    ['do_connect: Connection to 10.0.0.1 failed (Error NT_STATUS_CONNECTION_REFUSED)', 'connection'],
    ['NT_STATUS_IO_TIMEOUT listing \\*', 'connection'],
  ])('reads %j as %s', (line, kind) => {
    expect(classify(`Try "help" to get a list of possible commands.\n${line}\n`).kind).toBe(kind);
  });

  it('does not take a file name for an error', () => {
    const ok = 'Try "help" to get a list of possible commands.\ngetting file \\Error NT_STATUS_ACCESS_DENIED failed.pdf of size 10 as - (9.8 KiloBytes/sec)\n';
    expect(classify(ok)).toEqual({ problem: null, kind: null });
  });
});

describe('SSH host key fingerprints', () => {
  const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.alloc(36, 7)]);
  const expected = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

  it('are written as OpenSSH writes them', () => {
    expect(fingerprintOf(blob)).toBe(expected);
    expect(normaliseFingerprint(expected)).toBe(expected);
    expect(normaliseFingerprint(` ${expected.slice(7)}= `)).toBe(expected);
    expect(normaliseFingerprint('MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48')).toBeNull();
  });

  it('are shown with the line to pin them and where to check them', () => {
    const msg = hostKeyRefusal('sftp.example.com:22', { fingerprint: expected, type: 'ecdsa-sha2-nistp256' }, []);
    expect(msg).toContain(`hostKeyFingerprint: "${expected}"`);
    expect(msg).toContain('/etc/ssh/ssh_host_ecdsa_key.pub');
  });
});
