import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import type { SmbOptions } from '../../../adapters/documents/smb/options.js';
import { smbAdapter } from '../../../adapters/documents/smb/store.js';
import { silentLogger } from '../../../src/log.js';

export const samba = () => inject('samba');

/** A fresh folder in the share, and the options that make it the store root. */
export async function shareFolder(name: string, extra: Partial<SmbOptions> = {}): Promise<{ dir: string; options: SmbOptions }> {
  const s = samba();
  const folder = `${name}-${Math.random().toString(36).slice(2, 8)}`;
  const dir = path.join(s.shareDir, folder);
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  return { dir, options: smbOptions(`\\\\${s.host}\\${s.share}\\${folder}`, extra) };
}

export function smbOptions(root: string, extra: Partial<SmbOptions> = {}): SmbOptions {
  const s = samba();
  return smbAdapter.optionsSchema.parse({ root, port: s.port, username: s.username, password: s.password, domain: s.domain, ...extra });
}

export const openSmb = (options: SmbOptions) => smbAdapter.open(options, { baseDir: process.cwd(), log: silentLogger });
