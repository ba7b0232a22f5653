// Integration tests run against real servers from Debian's packages. On a fresh machine (CI)
// they are not installed yet: install what is missing, once, waiting for dpkg's lock rather than
// failing when another setup holds it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

const POLICY = '/usr/sbin/policy-rc.d';

function installed(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

let updated = false;

/** Installs the Debian packages that are missing; throws with apt's output when it cannot. */
export function ensureDebianPackages(packages: string[]): void {
  const missing = packages.filter((p) => !installed(p));
  if (missing.length === 0) return;
  let ownPolicy = false;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) =>
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000 });
  try {
    if (!updated) {
      apt(['update', '-q']);
      updated = true;
    }
    // Services must not start on their default ports: the tests start their own instances.
    // A policy the machine already has is left alone.
    if (!existsSync(POLICY)) {
      writeFileSync(POLICY, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
      ownPolicy = true;
    }
    apt(['install', '-y', '-q', '--no-install-recommends', ...missing]);
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`could not install ${missing.join(', ')} from Debian's packages: ${err.stderr?.toString() || err.message}`);
  } finally {
    if (ownPolicy) rmSync(POLICY, { force: true });
  }
}

