import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { sftpAdapter } from '../../../adapters/documents/sftp/store.js';
import type { SftpOptions } from '../../../adapters/documents/sftp/options.js';
import { silentLogger } from '../../../src/log.js';

export const sshd = () => inject('sshd');

/** Options for the test server, logging in with the password unless told otherwise. */
export function sftpOptions(root: string, extra: Partial<SftpOptions> = {}): SftpOptions {
  const s = sshd();
  return sftpAdapter.optionsSchema.parse({
    host: s.host,
    port: s.port,
    username: s.username,
    password: s.password,
    hostKeyFingerprint: s.hostFingerprint,
    root,
    ...extra,
  });
}

/** A fresh folder under the server's store folder, readable by the test account. */
export async function serverFolder(name: string): Promise<string> {
  const dir = path.join(sshd().storeDir, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  return dir;
}

export const openSftp = (options: SftpOptions) => sftpAdapter.open(options, { baseDir: process.cwd(), log: silentLogger });
