// What the database services share: a port nobody listens on, a private folder, and a wait that
// ends with the server's own log when it never comes up, so a failed start explains itself.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A folder the service's own account may write to (the services refuse to run as root). */
export async function serviceDir(prefix: string, owner?: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  if (owner) execFileSync('chown', ['-R', `${owner}:`, dir]);
  return dir;
}

export async function waitUntil(what: string, ready: () => boolean, logFile: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (ready()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '(no log written)';
  throw new Error(`${what} did not start within ${timeoutMs / 1000} s. Its log ends with:\n${log}`);
}

/** Runs a command, throwing with its output when it fails. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input: opts.input, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr || err.stdout || err.message}`);
  }
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, its own CA: a client given it as the CA
 * can check the server fully, a client given nothing must refuse it.
 */
export function selfSignedCertificate(dir: string, owner?: string): { cert: string; key: string } {
  const cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  if (owner) run('chown', [`${owner}:`, cert, key]);
  run('chmod', ['600', key]);
  run('chmod', ['644', cert]);
  return { cert, key };
}
