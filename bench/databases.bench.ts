// Resolving missing entries against a 1,000,000-row invoice table on a local PostgreSQL 15 and
// MariaDB 10.11 (started here, as the tests do), beside one plain psql / mariadb client run that
// loads the same numbers into a temporary table (COPY / LOAD DATA) and joins them.
// Target: the look-up within 2x of the plain query, peak memory flat as the counts grow.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { startMariadb } from '../test/services/mariadb.js';
import { startPostgres, type RunningServer } from '../test/services/postgres.js';
import { measureNode, table, timeCommand } from './lib/measure.js';

const ROWS = Number(process.env.BENCH_DB_ROWS ?? 1_000_000);
const counts = (process.env.BENCH_DB_COUNTS ?? '10000,100000').split(',').map(Number);
const batchSizes = (process.env.BENCH_DB_BATCH ?? '500,5000').split(',').map(Number);
const MISSING_EVERY = 20; // 5% of the entries are not in the ERP
const child = path.join(import.meta.dirname, 'lib/database-child.js');

const numberAt = (i: number, step: number) => (i % MISSING_EVERY === MISSING_EVERY - 1 ? 9_000_000 + i : 1 + i * step);
const label = (n: number) => `FA-${String(n).padStart(7, '0')}`;

interface Engine {
  name: string;
  start(): Promise<RunningServer>;
  fill(db: Knex): Promise<void>;
  knex(info: RunningServer['info'], database: string): Knex;
  section(info: RunningServer['info'], database: string, batchSize: number): Record<string, unknown>;
  plain(info: RunningServer['info'], database: string, file: string): [string, string[], NodeJS.ProcessEnv];
}

const QUERY = 'SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)';

const engines: Engine[] = [
  {
    name: 'PostgreSQL 15',
    start: () => startPostgres({ settings: { shared_buffers: '256MB' } }),
    async fill(db) {
      await db.raw('CREATE TABLE invoices (id serial PRIMARY KEY, number varchar(20) NOT NULL, pdf varchar(80))');
      await db.raw(`INSERT INTO invoices (number, pdf) SELECT 'FA-' || lpad(i::text, 7, '0'), 'pdf/' || (i % 1000) || '/FA-' || i || '.pdf' FROM generate_series(1, ${ROWS}) i`);
      await db.raw('CREATE INDEX invoices_number ON invoices (number)');
      await db.raw('VACUUM ANALYZE invoices');
    },
    knex: (info, database) => knexFactory({ client: 'pg', connection: { host: info.host, port: info.port, user: info.user, password: info.password, database } }),
    section: (info, database, batchSize) => ({ type: 'postgres', host: info.host, port: info.port, database, user: info.user, password: info.password, sslMode: 'disable', connectTimeoutSeconds: 15, queryTimeoutSeconds: 300, query: QUERY, documentNumberColumn: 'documentNumber', pathColumn: 'path', batchSize }),
    plain: (info, database, file) => [
      '/usr/lib/postgresql/15/bin/psql',
      ['-h', info.host, '-p', String(info.port), '-U', info.user, '-d', database, '-q', '-o', '/dev/null',
        '-c', 'CREATE TEMP TABLE wanted (n varchar(20))',
        '-c', `\\copy wanted FROM '${file}'`,
        '-c', 'SELECT i.number, i.pdf FROM invoices i JOIN wanted w ON w.n = i.number'],
      { PGPASSWORD: info.password },
    ],
  },
  {
    name: 'MariaDB 10.11',
    start: () => startMariadb({ settings: ['--innodb-buffer-pool-size=256M', '--local-infile=1'] }),
    async fill(db) {
      await db.raw('CREATE TABLE invoices (id int AUTO_INCREMENT PRIMARY KEY, number varchar(20) NOT NULL, pdf varchar(80), KEY invoices_number (number)) ENGINE=InnoDB');
      await db.raw(`INSERT INTO invoices (number, pdf) SELECT CONCAT('FA-', LPAD(seq, 7, '0')), CONCAT('pdf/', seq % 1000, '/FA-', seq, '.pdf') FROM seq_1_to_${ROWS}`);
      await db.raw('ANALYZE TABLE invoices');
    },
    knex: (info, database) => knexFactory({ client: 'mysql2', connection: { host: info.host, port: info.port, user: info.user, password: info.password, database } }),
    section: (info, database, batchSize) => ({ type: 'mysql', host: info.host, port: info.port, database, user: info.user, password: info.password, sslMode: 'DISABLED', charset: 'utf8mb4', connectTimeoutSeconds: 15, query: QUERY, documentNumberColumn: 'documentNumber', pathColumn: 'path', batchSize }),
    plain: (info, database, file) => [
      'mariadb',
      ['--no-defaults', '-h', info.host, '-P', String(info.port), '-u', info.user, '--local-infile=1', '-D', database, '-e',
        `CREATE TEMPORARY TABLE wanted (n varchar(20)); LOAD DATA LOCAL INFILE '${file}' INTO TABLE wanted; SELECT i.number, i.pdf FROM invoices i JOIN wanted w ON w.n = i.number;`],
      { MYSQL_PWD: info.password },
    ],
  },
];

const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-bench-db-'));
const rows: Record<string, string | number>[] = [];
const verdicts: string[] = [];
let failed = false;
try {
  for (const engine of engines) {
    const server = await engine.start();
    try {
      const { info } = server;
      const admin = engine.knex(info, info.database);
      await admin.raw('CREATE DATABASE bench');
      await admin.destroy();
      const db = engine.knex(info, 'bench');
      const filled = Date.now();
      await engine.fill(db);
      await db.destroy();
      console.error(`${engine.name}: ${ROWS} rows loaded in ${((Date.now() - filled) / 1000).toFixed(1)} s`);
      const peaks: number[] = [];
      for (const count of counts) {
        const step = Math.max(1, Math.floor(ROWS / count));
        const file = path.join(dir, `numbers-${count}.txt`);
        await writeFile(file, Array.from({ length: count }, (_, i) => label(numberAt(i, step))).join('\n') + '\n');
        const [cmd, args, env] = engine.plain(info, 'bench', file);
        await timeCommand(cmd, args, env); // warms the caches for both sides
        const plainMs = await timeCommand(cmd, args, env);
        for (const batchSize of batchSizes) {
          const run = await measureNode<{ found: number; lookupMs: number; heldMiB: number }>(child, [], {
            BENCH_SOURCE: JSON.stringify(engine.section(info, 'bench', batchSize)),
            BENCH_NUMBERS: JSON.stringify({ count, step, missingEvery: MISSING_EVERY }),
          });
          const expected = count - Math.floor(count / MISSING_EVERY);
          if (run.result.found !== expected) throw new Error(`${engine.name}: found ${run.result.found} of ${expected}`);
          peaks.push(run.peakRssMiB);
          const ratio = run.wallMs / plainMs;
          rows.push({
            database: engine.name, entries: count, batchSize, 'look-up ms': Math.round(run.result.lookupMs), 'process ms': Math.round(run.wallMs),
            'plain client ms': Math.round(plainMs), 'x plain': ratio, 'look-up x plain': run.result.lookupMs / plainMs, 'RSS before MiB': run.result.heldMiB, 'peak RSS MiB': run.peakRssMiB,
          });
          if (count === Math.max(...counts) && batchSize === Math.max(...batchSizes)) {
            verdicts.push(`${engine.name}, ${count} entries, batchSize ${batchSize}: look-up ${(run.result.lookupMs / plainMs).toFixed(1)}x, whole process ${ratio.toFixed(1)}x the plain client (target 2x)`);
            if (ratio > 2) failed = true;
          }
        }
      }
    } finally {
      await server.stop();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(table(rows));
console.log('look-up ms: connection, grouping, batched queries and matching, in the process; process ms: the same process from its start (Node and module loading included);\nplain client ms: one psql/mariadb run loading the numbers with COPY/LOAD DATA into a temporary table and joining them; x plain = process / plain client.\nRSS before: the process with the entries listed, before the look-up (the run holds them anyway).');
for (const v of verdicts) console.log(v);
process.exitCode = failed ? 1 : 0;
