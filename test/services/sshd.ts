// vitest globalSetup: a real OpenSSH server on 127.0.0.1, with its own host keys, configuration
// and test account, so that the SFTP store is tested against what customers run. Tests write
// the files they need under `storeDir` (they run as root) and read them over SFTP as the account.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDebianPackages } from './apt.js';
import { TEST_USER, ensureTestUser, freePort, stopDaemon, testUserPassword, waitForPort } from './local-service.js';

export interface SshdInfo {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Key without passphrase, authorised for the account. */
  keyFile: string;
  /** Key with `passphrase`, authorised for the account. */
  encryptedKeyFile: string;
  passphrase: string;
  /** ssh-agent socket holding `keyFile`. */
  agentSocket: string;
  /** SHA256:... of the key the server presents (ed25519). */
  hostFingerprint: string;
  /** A fingerprint of another host key, to play a changed server key. */
  otherFingerprint: string;
  /** Absolute folder on the server, writable by the tests, readable by the account. */
  storeDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    sshd: SshdInfo;
  }
}

let sshd: ChildProcess | undefined;
let agent: ChildProcess | undefined;
let dir: string | undefined;

function keygen(args: string[]): void {
  execFileSync('ssh-keygen', ['-q', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function fingerprint(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' }).split(' ')[1]!;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureDebianPackages(['openssh-server', 'openssh-client']);
  ensureTestUser();
  const password = testUserPassword();
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-sshd-'));
  await chmod(dir, 0o755);
  const storeDir = path.join(dir, 'store');
  await mkdir(storeDir, { mode: 0o755 });
  await chmod(storeDir, 0o755);
  await mkdir(path.join(dir, 'authorized_keys'));
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const hostKey = path.join(dir, 'host_ed25519');
  const otherHostKey = path.join(dir, 'host_ecdsa');
  keygen(['-t', 'ed25519', '-N', '', '-f', hostKey]);
  keygen(['-t', 'ecdsa', '-N', '', '-f', otherHostKey]);
  const keyFile = path.join(dir, 'client_ed25519');
  const encryptedKeyFile = path.join(dir, 'client_encrypted');
  const passphrase = `phrase-${Math.random().toString(36).slice(2)}`;
  keygen(['-t', 'ed25519', '-N', '', '-f', keyFile]);
  keygen(['-t', 'ed25519', '-N', passphrase, '-f', encryptedKeyFile]);
  const authorized = (await readFile(`${keyFile}.pub`, 'utf8')) + (await readFile(`${encryptedKeyFile}.pub`, 'utf8'));
  await writeFile(path.join(dir, 'authorized_keys', TEST_USER), authorized, { mode: 0o644 });

  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys', '%u')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin no',
      `AllowUsers ${TEST_USER}`,
      'Subsystem sftp internal-sftp',
      'PrintMotd no',
      'LogLevel INFO',
      '',
    ].join('\n'),
  );
  let output = '';
  sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  sshd.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  sshd.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  await waitForPort(port, sshd, () => output);

  const agentSocket = path.join(dir, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(agentSocket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(agentSocket)) throw new Error('ssh-agent did not create its socket');
  execFileSync('ssh-add', ['-q', keyFile], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, stdio: 'pipe' });

  const info: SshdInfo = {
    host: '127.0.0.1',
    port,
    username: TEST_USER,
    password,
    keyFile,
    encryptedKeyFile,
    passphrase,
    agentSocket,
    hostFingerprint: fingerprint(`${hostKey}.pub`),
    otherFingerprint: fingerprint(`${otherHostKey}.pub`),
    storeDir,
  };
  project.provide('sshd', info);

  return async () => {
    await stopDaemon(agent);
    await stopDaemon(sshd);
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}

/** The same server outside vitest (the benchmarks): its details, and how to stop it. */
export async function startSshd(): Promise<{ info: SshdInfo; stop: () => Promise<void> }> {
  let info: SshdInfo | undefined;
  const stop = await setup({ provide: (_key: string, value: SshdInfo) => (info = value) } as unknown as TestProject);
  return { info: info!, stop };
}
