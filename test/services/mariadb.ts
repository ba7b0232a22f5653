// vitest global setup: a MariaDB 10.11 from Debian's packages in its own data folder, listening
// on 127.0.0.1 on a free port, with an administrator account that logs in by password over TCP.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDebianPackages } from './apt.js';
import { freePort, run, selfSignedCertificate, serviceDir, waitUntil } from './local-server.js';
import type { RunningServer } from './postgres.js';

export async function startMariadb(opts: { settings?: string[] } = {}): Promise<RunningServer> {
  ensureDebianPackages(['mariadb-server', 'mariadb-client', 'openssl']);
  const dir = await serviceDir('cnx-maria-', 'mysql');
  const data = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const log = path.join(dir, 'server.log');
  run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=mysql', '--auth-root-authentication-method=socket', '--skip-test-db']);
  const port = await freePort();
  const tls = selfSignedCertificate(dir, 'mysql');
  const out = openSync(log, 'a');
  const child = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--user=mysql',
      '--skip-name-resolve',
      '--skip-log-bin',
      // Offered, not required: the tests choose each sslMode.
      `--ssl-cert=${tls.cert}`,
      `--ssl-key=${tls.key}`,
      `--log-error=${log}`,
      // Test data is thrown away; durability only costs time here.
      '--innodb-flush-log-at-trx-commit=0',
      '--innodb-doublewrite=0',
      ...(opts.settings ?? []),
    ],
    { stdio: ['ignore', out, out] },
  );
  closeSync(out);
  // The server must not keep the test runner alive; stop() waits for it explicitly.
  child.unref();
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  const client = (sql: string) => run('mariadb', ['--no-defaults', '-S', socket, '-u', 'root', '-N', '-B', '-e', sql]);
  await waitUntil(
    'MariaDB',
    () => {
      if (exited !== null) throw new Error(`mariadbd exited with ${exited}; see ${log}`);
      try {
        client('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    log,
  );
  const password = randomBytes(12).toString('hex');
  client(`CREATE USER 'cnx_admin'@'%' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO 'cnx_admin'@'%' WITH GRANT OPTION;`);
  const version = client('SELECT VERSION()').trim();
  return {
    info: { host: '127.0.0.1', port, user: 'cnx_admin', password, database: 'mysql', version, tlsCert: tls.cert },
    async stop() {
      const gone = new Promise<void>((resolve) => (exited !== null ? resolve() : child.once('exit', () => resolve())));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      if (exited === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startMariadb();
  project.provide('mariadb', server.info);
  return () => server.stop();
}
