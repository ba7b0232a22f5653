// What the sshd and Samba set-ups share: a free loopback port, a test account that is not root
// (root reads every file, so permission tests need someone else), and waiting for a daemon.
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export const TEST_USER = 'cnxtest';

export { freePort } from './local-server.js';

/**
 * The account's Unix password. Two test runs on one machine (two developers' terminals) share the
 * account, so it must be the same for both, yet no constant in the source: derived from the
 * machine's id. The account has no shell, so the password opens nothing but SFTP.
 */
export function testUserPassword(): string {
  let id = 'no-machine-id';
  try {
    id = readFileSync('/etc/machine-id', 'utf8').trim();
  } catch {
    // containers without one still get a stable value
  }
  return `pw-${createHash('sha256').update(`clearnox-sync test account ${id}`).digest('hex').slice(0, 20)}`;
}

/** Creates the test account once per machine and sets its Unix password. */
export function ensureTestUser(): { uid: number; gid: number } {
  if (spawnSync('id', ['-u', TEST_USER]).status !== 0) {
    spawnSync('useradd', ['--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', TEST_USER]);
  }
  execFileSync('usermod', ['--shell', '/usr/sbin/nologin', TEST_USER]);
  execFileSync('chpasswd', { input: `${TEST_USER}:${testUserPassword()}\n` });
  const uid = Number(execFileSync('id', ['-u', TEST_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', TEST_USER], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Resolves once something accepts TCP connections on the port; fails with the daemon's output. */
export async function waitForPort(port: number, daemon: ChildProcess, output: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null) throw new Error(`the server exited with code ${daemon.exitCode}:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  daemon.kill();
  throw new Error(`the server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${output()}`);
}

export async function stopDaemon(daemon: ChildProcess | undefined): Promise<void> {
  if (!daemon || daemon.exitCode !== null || daemon.signalCode !== null) return;
  const exited = new Promise((r) => daemon.once('exit', r));
  daemon.kill('SIGTERM');
  const timer = setTimeout(() => daemon.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
