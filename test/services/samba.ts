// vitest globalSetup: a real Samba on 127.0.0.1 with its own configuration, state folders and
// port, signing required and NTLMv2 only (what current Windows servers demand), serving shares
// read-only to the test account. Tests write files under `shareDir` and read them over SMB.
// Links are left to Samba's defaults (wide links = no, follow symlinks = yes, SMB1 and so its
// Unix extensions refused), which are what the store's documentation describes; one share turns
// links off as an administrator can.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDebianPackages } from './apt.js';
import { TEST_USER, ensureTestUser, freePort, stopDaemon, waitForPort } from './local-service.js';

export interface SambaInfo {
  host: string;
  port: number;
  share: string;
  username: string;
  password: string;
  domain: string;
  /** Folder behind the share, writable by the tests, readable by the account. */
  shareDir: string;
  /** The same folder shared with follow symlinks = no. */
  noLinksShare: string;
  /** A share of its own for one store root (the conformance suite's): its folder is the share. */
  rootShare: { share: string; dir: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    samba: SambaInfo;
  }
}

let smbd: ChildProcess | undefined;
let dir: string | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureDebianPackages(['samba', 'smbclient']);
  // The Unix password is the sshd set-up's business; Samba keeps its own in its passdb.
  ensureTestUser();
  const password = `smb-${Math.random().toString(36).slice(2)}`;
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-samba-'));
  await chmod(dir, 0o755);
  const shareDir = path.join(dir, 'share');
  const rootDir = path.join(dir, 'invoices');
  for (const sub of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'share', 'invoices']) await mkdir(path.join(dir, sub));
  await chmod(shareDir, 0o755);
  await chmod(rootDir, 0o755);
  const port = await freePort();
  const config = path.join(dir, 'smb.conf');
  await writeFile(
    config,
    `[global]
  server role = standalone server
  workgroup = CNXTEST
  map to guest = never
  smb ports = ${port}
  interfaces = 127.0.0.1
  bind interfaces only = yes
  disable netbios = yes
  private dir = ${dir}/private
  lock directory = ${dir}/lock
  state directory = ${dir}/state
  cache directory = ${dir}/cache
  pid directory = ${dir}/pid
  ncalrpc dir = ${dir}/ncalrpc
  log file = ${dir}/smbd.log
  passdb backend = tdbsam:${dir}/private/passdb.tdb
  server min protocol = SMB2_02
  server signing = mandatory
  ntlm auth = ntlmv2-only
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
[docs]
  path = ${shareDir}
  read only = yes
  valid users = ${TEST_USER}
[docs-nolinks]
  path = ${shareDir}
  read only = yes
  valid users = ${TEST_USER}
  follow symlinks = no
[invoices]
  path = ${rootDir}
  read only = yes
  valid users = ${TEST_USER}
`,
  );
  execFileSync('smbpasswd', ['-c', config, '-s', '-a', TEST_USER], { input: `${password}\n${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  smbd = spawn('smbd', ['--foreground', '--debug-stdout', '-s', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  smbd.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  smbd.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  await waitForPort(port, smbd, () => output);

  project.provide('samba', {
    host: '127.0.0.1',
    port,
    share: 'docs',
    username: TEST_USER,
    password,
    domain: 'CNXTEST',
    shareDir,
    noLinksShare: 'docs-nolinks',
    rootShare: { share: 'invoices', dir: rootDir },
  });
  return async () => {
    await stopDaemon(smbd);
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}

/** The same server outside vitest (the benchmarks): its details, and how to stop it. */
export async function startSamba(): Promise<{ info: SambaInfo; stop: () => Promise<void> }> {
  let info: SambaInfo | undefined;
  const stop = await setup({ provide: (_key: string, value: SambaInfo) => (info = value) } as unknown as TestProject);
  return { info: info!, stop };
}
