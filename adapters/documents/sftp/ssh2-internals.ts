// The only places the SFTP store reads what ssh2-sftp-client and ssh2 do not publish, so that a
// version changing them fails test/adapters/documents/ssh2-internals.test.ts rather than a run.
// - ssh2-sftp-client keeps its ssh2 Client in `client` (absent from its types). The connection
//   needs that Client's own setNoDelay() and destroy(): end() waits for a server that may never
//   answer, and ssh2-sftp-client has no call for either.
// - ssh2's SFTP session keeps in `_maxReadLen` the most one read request may ask for (what the
//   server announces in limits@openssh.com, or ssh2's default for that server); ssh2 splits a
//   larger read into several requests.
import type { Client, SFTPWrapper } from 'ssh2';
import type SftpClient from 'ssh2-sftp-client';

/** The ssh2 Client under an ssh2-sftp-client. */
export function sshClientOf(client: SftpClient): Client {
  const ssh = (client as unknown as { client?: Partial<Client> }).client;
  if (typeof ssh?.setNoDelay !== 'function' || typeof ssh.destroy !== 'function') {
    throw new Error('ssh2-sftp-client no longer keeps its ssh2 Client in `client` (adapters/documents/sftp/ssh2-internals.ts)');
  }
  return ssh as Client;
}

/** What one read asks for when the session does not say; ssh2 splits it if the server takes less. */
export const ASSUMED_MAX_READ = 32 * 1024;

/** The most bytes one read request may ask for on this session. */
export function maxReadLength(sftp: SFTPWrapper): number {
  const max = (sftp as unknown as { _maxReadLen?: unknown })._maxReadLen;
  return typeof max === 'number' && max > 0 ? max : ASSUMED_MAX_READ;
}
