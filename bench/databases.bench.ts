// Resolving missing entries against a 1,000,000-row invoice table on a local PostgreSQL 15 and
// MariaDB 10.11 (started here, as the tests do), beside one plain psql / mariadb client run that
// loads the same numbers into a temporary table (COPY / LOAD DATA) and joins them.
// Target: the look-up within 2x of the plain query, memory flat as the counts grow: the look-up's
// working memory must not grow with the entries, the table or the batches; only what it hands on
// to the run (each number's group and path) may, and is reported per entry.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { startMariadb } from '../test/services/mariadb.js';
import { startPostgres, type RunningServer } from '../test/services/postgres.js';
import { DEFAULT_BATCH_SIZE } from '../src/pipeline/lookup.js';
import { measureNode, table, timeCommand } from './lib/measure.js';

const ROWS = Number(process.env.BENCH_DB_ROWS ?? 1_000_000);
const counts = (process.env.BENCH_DB_COUNTS ?? '10000,100000,200000').split(',').map(Number);
const batchSizes = (process.env.BENCH_DB_BATCH ?? `500,${DEFAULT_BATCH_SIZE},5000`).split(',').map(Number);
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

interface Row {
  engine: string;
  count: number;
  batchSize: number;
  lookupMs: number;
  processMs: number;
  plainMs: number;
  beforeMiB: number;
  peakMiB: number;
  keptMiB: number;
  /** Highest heap above the entries with the garbage collected after every batch (default batch size only). */
  liveMiB?: number;
}

interface ChildResult {
  found: number;
  lookupMs: number;
  heldMiB: number;
  keptMiB: number;
  gcMs: number;
  liveMiB: number;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-bench-db-'));
const rows: Row[] = [];
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
      for (const count of counts) {
        const step = Math.max(1, Math.floor(ROWS / count));
        const file = path.join(dir, `numbers-${count}.txt`);
        await writeFile(file, Array.from({ length: count }, (_, i) => label(numberAt(i, step))).join('\n') + '\n');
        const [cmd, args, env] = engine.plain(info, 'bench', file);
        await timeCommand(cmd, args, env); // warms the caches for both sides
        const plainMs = await timeCommand(cmd, args, env);
        for (const batchSize of batchSizes) {
          const measure = (extra: NodeJS.ProcessEnv = {}) =>
            measureNode<ChildResult>(child, [], {
              NODE_OPTIONS: '--expose-gc',
              BENCH_SOURCE: JSON.stringify(engine.section(info, 'bench', batchSize)),
              BENCH_NUMBERS: JSON.stringify({ count, step, missingEvery: MISSING_EVERY }),
              ...extra,
            });
          const run = await measure();
          const expected = count - Math.floor(count / MISSING_EVERY);
          if (run.result.found !== expected) throw new Error(`${engine.name}: found ${run.result.found} of ${expected}`);
          // The second, untimed run collects the garbage after every batch (slow on purpose).
          const live = batchSize === DEFAULT_BATCH_SIZE ? (await measure({ BENCH_LIVE: '1' })).result.liveMiB : undefined;
          rows.push({
            engine: engine.name, count, batchSize, lookupMs: run.result.lookupMs, processMs: run.wallMs - run.result.gcMs, plainMs,
            beforeMiB: run.result.heldMiB, peakMiB: run.peakRssMiB, keptMiB: run.result.keptMiB, ...(live === undefined ? {} : { liveMiB: live }),
          });
        }
      }
    } finally {
      await server.stop();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const working = (r: Row) => (r.liveMiB === undefined ? '' : r.liveMiB - r.keptMiB);
console.log(
  table(
    rows.map((r) => ({
      database: r.engine, entries: r.count, batchSize: r.batchSize, 'look-up ms': Math.round(r.lookupMs), 'plain client ms': Math.round(r.plainMs), 'look-up x plain': r.lookupMs / r.plainMs,
      'process ms': Math.round(r.processMs), 'process x plain': r.processMs / r.plainMs, 'RSS before MiB': r.beforeMiB, 'peak RSS MiB': r.peakMiB,
      'kept MiB': r.keptMiB, 'working MiB': working(r),
    })),
  ),
);
console.log(`look-up ms: connecting, grouping, batched queries and matching, in the process; plain client ms: one psql/mariadb run
connecting, loading the numbers with COPY/LOAD DATA into a temporary table and joining them; process ms: the look-up's process
from its start (Node, module loading and building the entries included; the bench's own forced GCs left out).
RSS before: the process with the entries listed, before the look-up (the run holds them anyway); peak RSS: as the garbage
collector left it; kept: what the look-up hands on to the run (each number's group and path, heap after a GC); working: the
highest heap the look-up itself needs beyond that (batches in flight, their rows), in a second run that collects the garbage
after every batch, at the default batch size.`);

const verdicts: string[] = [];
let failed = false;
const largest = Math.max(...counts);
const smallest = Math.min(...counts);
// Flat: from the fewest entries to the most, the look-up's own working memory grows by no more
// than this, whatever the count; what it keeps for the run is reported per entry.
const FLAT_MIB = 4;
for (const engine of engines.map((e) => e.name)) {
  const at = (count: number) => rows.find((r) => r.engine === engine && r.count === count && r.batchSize === DEFAULT_BATCH_SIZE);
  const big = at(largest);
  const small = at(smallest);
  if (!big || !small) continue;
  const ratio = big.lookupMs / big.plainMs;
  if (ratio > 2) failed = true;
  verdicts.push(
    `${engine}, ${largest} entries, default batchSize ${DEFAULT_BATCH_SIZE}: look-up ${ratio.toFixed(1)}x the plain client (target 2x); ` +
      `the whole process ${(big.processMs / big.plainMs).toFixed(1)}x, of which ${Math.round(big.processMs - big.lookupMs)} ms start Node, load the modules and build the entries.`,
  );
  if (largest > smallest && big.liveMiB !== undefined && small.liveMiB !== undefined) {
    const grew = big.liveMiB - big.keptMiB - (small.liveMiB - small.keptMiB);
    if (grew > FLAT_MIB) failed = true;
    const perEntry = ((big.keptMiB - small.keptMiB) * 2 ** 20) / (largest - smallest);
    verdicts.push(
      `${engine}, ${smallest} -> ${largest} entries: look-up working memory ${(small.liveMiB - small.keptMiB).toFixed(1)} -> ${(big.liveMiB - big.keptMiB).toFixed(1)} MiB ` +
        `(target: flat, within ${FLAT_MIB} MiB); kept for the run ${perEntry.toFixed(0)} B per entry; peak RSS ${small.peakMiB.toFixed(0)} -> ${big.peakMiB.toFixed(0)} MiB.`,
    );
  }
}
for (const v of verdicts) console.log(v);
process.exitCode = failed ? 1 : 0;
