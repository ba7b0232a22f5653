// vitest global setup: a PostgreSQL 15 from Debian's packages in its own data folder, listening
// on 127.0.0.1 on a free port, with password authentication (so a wrong password really fails).
// The machine runs as root and PostgreSQL refuses root, so it runs as the `postgres` account.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDebianPackages } from './apt.js';
import { freePort, run, selfSignedCertificate, serviceDir, waitUntil } from './local-server.js';
import type { ServerInfo } from './server-info.js';

const BIN = '/usr/lib/postgresql/15/bin';

export interface RunningServer {
  info: ServerInfo;
  stop(): Promise<void>;
}

export async function startPostgres(opts: { settings?: Record<string, string> } = {}): Promise<RunningServer> {
  ensureDebianPackages(['postgresql-15', 'postgresql-client-15', 'openssl']);
  const dir = await serviceDir('cnx-pg-', 'postgres');
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const password = randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pw');
  await writeFile(pwfile, `${password}\n`);
  run('chown', ['postgres:', pwfile]);
  const asPostgres = (cmd: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', path.join(BIN, cmd), ...args]);
  asPostgres('initdb', ['-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  const tls = selfSignedCertificate(dir, 'postgres');
  const settings: Record<string, string> = {
    // Offered, not required: the tests choose each sslMode.
    ssl: 'on',
    ssl_cert_file: tls.cert,
    ssl_key_file: tls.key,
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    // Test data is thrown away; durability only costs time here.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    ...opts.settings,
  };
  const options = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  asPostgres('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start']);
  let version = '';
  await waitUntil(
    'PostgreSQL',
    () => {
      try {
        version = run('runuser', ['-u', 'postgres', '--', path.join(BIN, 'psql'), '-h', dir, '-p', String(port), '-d', 'postgres', '-Atc', 'show server_version'], {
          env: { ...process.env, PGPASSWORD: password },
        }).trim();
        return true;
      } catch {
        return false;
      }
    },
    log,
  );
  return {
    info: { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', version, tlsCert: tls.cert },
    async stop() {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('postgres', server.info);
  return () => server.stop();
}
