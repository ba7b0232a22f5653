// The whole run against the plain tools: an ERP on MariaDB naming each invoice's PDF, the PDFs
// (30-400 KiB) on the test OpenSSH server and the Samba share, the entries in the sandbox (imports
// processed in 200 ms, Retry-After: 1 while processing, the contract's rate limits). Taking turns,
// each repeated: clearnox-sync over SFTP, over SMB, and bench/plain-tools.sh (curl, jq, mariadb,
// sftp -b, zip), each on a fresh sandbox and checked to have attached every document exactly
// once. Then each stage alone (listing, look-up, a store's reads, packing, upload), to see the
// slowest. Prints Markdown tables, writes bench/run-results.json and bench/run-chart.svg.
//
//   npm run bench -- run          BENCH_RUN_COUNTS=1000,10000 BENCH_RUN_REPEATS=3 by default;
//                                 BENCH_RUN_LARGE=1 adds 100,000 documents.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LIMITS } from '../src/clearnox/contract.js';
import { startSandbox, type SandboxHandle, type SandboxState } from '../src/sandbox/server.js';
import { startMariadb } from '../test/services/mariadb.js';
import { startSamba } from '../test/services/samba.js';
import { startSshd } from '../test/services/sshd.js';
import { measureNode } from './lib/measure.js';
import { createErp, documentOf, entries, totalBytes, writePdfs } from './lib/run-data.js';
import { FORM_NAMES, FORMS, pinHostKey, runForm, sandboxSecret, type Servers } from './lib/run-forms.js';
import { chartSvg, growthLine, machine, median, runsTable, stagesTable, type FormResult, type StageResult } from './lib/run-report.js';
import type { StageSpec } from './lib/run-stage-child.js';

const counts = [...(process.env.BENCH_RUN_COUNTS ?? '1000,10000').split(',').map(Number), ...(process.env.BENCH_RUN_LARGE === '1' ? [100_000] : [])];
const repeats = Number(process.env.BENCH_RUN_REPEATS ?? 3);
if (counts.some((n) => !Number.isInteger(n) || n < 1) || !(repeats >= 1)) throw new Error('BENCH_RUN_COUNTS: whole numbers, comma-separated; BENCH_RUN_REPEATS: 1 or more');
const repo = path.resolve(import.meta.dirname, '../..');
const stageChild = path.join(import.meta.dirname, 'lib/run-stage-child.js');
if (!existsSync(path.join(repo, 'dist/src/cli/main.js'))) throw new Error('build first: npm run bench -- run builds, then runs');
const MiB = 1024 * 1024;
/** The run's mapping defaults, which the packing stage cuts archives by. */
const RUN_ARCHIVE = { bytes: 50 * MiB, documents: 500 };
/** Documents opened at once by the store-read stage: the packer's read-ahead. */
const READS_AT_ONCE = 8;

/** SHA-256 of each PDF as written, by entry id: what every form must have attached. */
async function digests(root: string, n: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const d = documentOf(i);
    out.set(d.entryId, createHash('sha256').update(await readFile(path.join(root, d.path))).digest('hex'));
  }
  return out;
}

/** Every entry has exactly one document, and it is the one of its number (the same bytes). */
function checkAttached(state: SandboxState, expected: Map<string, string>, what: string): void {
  const n = expected.size;
  const wrong = state.entries.filter((e) => e.attachCount !== 1 || e.attached?.sha256 !== expected.get(e.id));
  if (state.entries.length !== n || wrong.length) {
    throw new Error(`${what}: ${wrong.length} of ${n} entries are not attached exactly once to their document (first: ${wrong[0]?.id}, ${JSON.stringify(wrong[0])})`);
  }
}

const started = new Date();
const startMachine = machine();
console.log(`whole run: ${counts.join(', ')} documents, ${repeats} run(s) of each form; ${startMachine.cpu}, ${startMachine.cores} cores, load ${startMachine.loadAverage.join(' ')}`);
const work = await mkdtemp(path.join(os.tmpdir(), 'cnx-bench-run-'));
const mariadb = await startMariadb();
const sshd = await startSshd();
const samba = await startSamba();
const results: FormResult[] = [];
const stages: StageResult[] = [];
let sandbox: SandboxHandle | undefined;
try {
  const sftpRoot = path.join(sshd.info.storeDir, 'run');
  const smbDir = path.join(samba.info.shareDir, 'run');
  await mkdir(sftpRoot, { mode: 0o755 });
  await mkdir(smbDir, { mode: 0o755 });
  const knownHosts = path.join(work, 'known_hosts');
  pinHostKey(sshd.info, knownHosts);

  for (const n of counts) {
    const t0 = performance.now();
    await writePdfs(n, sftpRoot, [smbDir]);
    execFileSync('chmod', ['-R', 'a+rX', sftpRoot, smbDir]);
    const db = await createErp(mariadb.info, n);
    const expected = await digests(sftpRoot, n);
    const gib = totalBytes(n) / 2 ** 30;
    console.log(`\n${n} documents (${gib.toFixed(2)} GiB), data ready in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const servers: Servers = { sshd: sshd.info, samba: samba.info, db, sftpRoot, smbFolder: 'run', knownHosts };
    const list = entries(n);
    const fresh = async () => {
      await sandbox?.close();
      // Rate limit and the 2 imports at once as in the contract (startSandbox's defaults).
      sandbox = await startSandbox({ entries: list, processingDelayMs: 200, pollRetryAfterSeconds: 1 });
      return sandbox;
    };

    // Taking turns, the order rotated each round, so that none always runs on a warmer machine.
    const runs = new Map(FORMS.map((f) => [f, [] as { s: number; rss: number; tree: number }[]]));
    for (let round = 0; round < repeats; round++) {
      for (const form of FORMS.map((_, i) => FORMS[(i + round) % FORMS.length]!)) {
        const api = await fresh();
        const m = await runForm(form, path.join(work, form), api.url, servers);
        checkAttached(api.state(), expected, `${FORM_NAMES[form]}, ${n} documents`);
        // The plain tools' copies of the files: at 100,000 documents, 21 GB the disk needs back.
        await rm(path.join(work, form), { recursive: true, force: true });
        runs.get(form)!.push({ s: m.wallMs / 1000, rss: m.peakRssMiB, tree: m.treeRssMiB });
        console.log(`  ${FORM_NAMES[form].padEnd(24)} ${(m.wallMs / 1000).toFixed(1)} s, peak RSS ${m.peakRssMiB.toFixed(1)} MiB (tree ${m.treeRssMiB.toFixed(1)})`);
      }
    }
    for (const form of FORMS) {
      const r = runs.get(form)!;
      results.push({
        count: n, form, runsS: r.map((x) => x.s), medianS: median(r.map((x) => x.s)),
        peakRssMiB: Math.max(...r.map((x) => x.rss)), treeRssMiB: Math.max(...r.map((x) => x.tree)),
      });
    }

    // Each stage alone, in a process of its own, from the compiled modules.
    const archives = path.join(work, 'archives');
    const smbOptions = { root: `\\\\${samba.info.host}\\${samba.info.share}\\run`, port: samba.info.port, username: samba.info.username, password: samba.info.password, domain: samba.info.domain };
    const sftpOptions = { host: sshd.info.host, port: sshd.info.port, username: sshd.info.username, privateKeyFile: sshd.info.keyFile, hostKeyFingerprint: sshd.info.hostFingerprint, root: sftpRoot };
    const plan: { name: string; note: string; spec: () => Promise<StageSpec>; after?: () => void }[] = [
      { name: 'listing', note: `listMissingEntries, pages of ${LIMITS.pageSizeMax}`, spec: async () => ({ stage: 'list', url: (await fresh()).url, count: n }) },
      { name: 'look-up', note: 'mysql adapter, batches of 2,000 numbers', spec: async () => ({ stage: 'lookup', db, count: n, batchSize: 2000 }) },
      { name: 'store reads, SFTP', note: `stat, open, %PDF- check, ${READS_AT_ONCE} at once, to nowhere`, spec: async () => ({ stage: 'read', store: 'sftp', options: sftpOptions, count: n, concurrency: READS_AT_ONCE }) },
      { name: 'store reads, SMB', note: `stat, open, %PDF- check, ${READS_AT_ONCE} at once, to nowhere`, spec: async () => ({ stage: 'read', store: 'smb', options: smbOptions, count: n, concurrency: READS_AT_ONCE }) },
      {
        name: 'packing', note: `packArchive from local files, ${RUN_ARCHIVE.documents} documents / ${RUN_ARCHIVE.bytes / MiB} MiB an archive`,
        spec: async () => ({ stage: 'pack', root: sftpRoot, out: archives, count: n, maxArchiveBytes: RUN_ARCHIVE.bytes, maxDocuments: RUN_ARCHIVE.documents }),
      },
      {
        name: 'upload', note: `uploadArchive, then waitForImport, ${LIMITS.importsAtOnce} at once`,
        spec: async () => ({ stage: 'upload', url: (await fresh()).url, archives, inFlight: LIMITS.importsAtOnce }),
        after: () => checkAttached(sandbox!.state(), expected, `upload stage, ${n} documents`),
      },
    ];
    const times = new Map(plan.map((p) => [p.name, { s: [] as number[], rss: 0, result: {} as Record<string, unknown> }]));
    for (let round = 0; round < repeats; round++) {
      for (const p of plan) {
        const m = await measureNode<Record<string, unknown>>(stageChild, [], { BENCH_STAGE: JSON.stringify(await p.spec()), BENCH_SECRET: sandboxSecret });
        p.after?.();
        const t = times.get(p.name)!;
        t.s.push(m.wallMs / 1000);
        t.rss = Math.max(t.rss, m.peakRssMiB);
        t.result = m.result;
      }
    }
    for (const p of plan) {
      const t = times.get(p.name)!;
      const extra =
        p.name === 'packing' ? `; archives: ${String(t.result.archives)}` : p.name === 'upload' ? `; archives: ${String(t.result.items)}, the uploads alone ${(Number(t.result.uploadMs) / 1000).toFixed(1)} s` : '';
      stages.push({ count: n, stage: p.name, runsS: t.s, medianS: median(t.s), peakRssMiB: t.rss, items: Number(t.result.items), note: p.note + extra });
    }
    await rm(archives, { recursive: true, force: true });
    await sandbox?.close();
    sandbox = undefined;

    // Written after each count, so that a long run interrupted later keeps what it measured.
    const out = {
      date: started.toISOString(),
      machine: { ...startMachine, loadAverageAtEnd: machine().loadAverage },
      commands: [
        'npm run bench -- run',
        'BENCH_RUN_LARGE=1 npm run bench -- run',
        'BENCH_RUN_COUNTS=200 BENCH_RUN_REPEATS=1 npm run bench -- run   # a quick check that it works',
      ],
      settings: {
        counts, repeats, pdfKiB: '30-400 (size a hash of the index)', database: `MariaDB ${mariadb.info.version}`,
        sandbox: { processingDelayMs: 200, pollRetryAfterSeconds: 1, rateLimit: 'the contract\'s (10 requests a second, 2 imports at once)' },
        plainTools: `bench/plain-tools.sh, archives of at most ${LIMITS.archiveDocuments} documents / ${LIMITS.archiveBytes / MiB} MiB`,
        rss: 'peakRssMiB: the largest single process (GNU time, maxrss; for clearnox-sync, Node itself); treeRssMiB: the largest sum over the process tree, sampled from /proc every 20 ms',
      },
      runs: results,
      stages,
    };
    await writeFile(path.join(repo, 'bench/run-results.json'), JSON.stringify(out, null, 2) + '\n');
    await writeFile(path.join(repo, 'bench/run-chart.svg'), chartSvg(results));
  }

  console.log('\n### Whole run (median s, each run in brackets; RSS in MiB)\n');
  console.log(runsTable(results));
  const growth = growthLine(results);
  if (growth) console.log(`\n${growth}`);
  console.log('\n### Each stage alone\n');
  console.log(stagesTable(stages));
  console.log(`\nwritten: bench/run-results.json, bench/run-chart.svg (load average at the end: ${machine().loadAverage.join(' ')})`);
} finally {
  await sandbox?.close();
  await samba.stop();
  await sshd.stop();
  await mariadb.stop();
  await rm(work, { recursive: true, force: true });
}
