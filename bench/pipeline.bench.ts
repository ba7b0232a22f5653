// The whole run (SQLite look-up, local folder, archives, upload to the sandbox) on a growing
// number of 300 KB PDFs. Target: peak memory flat as the count grows (under 64 MiB more for
// ten times the documents), since files and archives are streamed, never held whole.
// Beside it, `cat` reading the same files: what the disk alone costs.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqlite } from '../adapters/database/sqlite-driver.js';
import { startSandbox } from '../src/sandbox/server.js';
import { benchEntry, benchMapping } from './lib/fixtures.js';
import { measureNode, table, timeCommand } from './lib/measure.js';

const counts = (process.env.BENCH_PIPELINE_COUNTS ?? '300,3000').split(',').map(Number);
const pdfBytes = Number(process.env.BENCH_PDF_KB ?? 300) * 1024;
const child = path.join(import.meta.dirname, 'lib/pipeline-child.js');

async function dataset(dir: string, n: number) {
  const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
  db.exec('CREATE TABLE invoices (number TEXT PRIMARY KEY, pdf TEXT)');
  const insert = db.prepare('INSERT INTO invoices VALUES (?, ?)');
  const filler = randomBytes(pdfBytes);
  const files: string[] = [];
  const entries = [];
  for (let i = 0; i < n; i++) {
    const number = `FA-${String(i).padStart(7, '0')}`;
    const rel = `${i % 100}/${number}.pdf`;
    const file = path.join(dir, 'pdfs', rel);
    if (i < 100) await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, Buffer.concat([Buffer.from(`%PDF-1.4 ${number}\n`), filler]));
    files.push(file);
    insert.run(number, rel);
    entries.push(benchEntry(i, number));
  }
  db.close();
  return { files, entries };
}

const rows = [];
for (const n of counts) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-bench-pipeline-'));
  try {
    const { files, entries } = await dataset(dir, n);
    const sandbox = await startSandbox({ entries, rateLimit: false, pollRetryAfterSeconds: null });
    try {
      const mapping = path.join(dir, 'mapping.yaml');
      await writeFile(mapping, benchMapping(sandbox.url, '  type: local\n  root: pdfs\n'));
      const catMs = await timeCommand('sh', ['-c', `cat ${path.join(dir, 'pdfs')}/*/*.pdf > /dev/null`]);
      const run = await measureNode<{ attached: number; archives: number }>(child, [mapping], { BENCH_SECRET: 'sandbox-secret' });
      if (run.result.attached !== n) throw new Error(`attached ${run.result.attached} of ${n}`);
      const mib = (files.length * pdfBytes) / 2 ** 20;
      rows.push({ documents: n, MiB: Math.round(mib), archives: run.result.archives, 'run s': run.wallMs / 1000, 'MiB/s': mib / (run.wallMs / 1000), 'peak RSS MiB': run.peakRssMiB, 'cat s': catMs / 1000 });
    } finally {
      await sandbox.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
console.log(table(rows));
const growth = rows.at(-1)!['peak RSS MiB'] - rows[0]!['peak RSS MiB'];
console.log(`peak memory growth from ${rows[0]!.documents} to ${rows.at(-1)!.documents} documents: ${growth.toFixed(1)} MiB (target: under 64 MiB)`);
process.exitCode = growth < 64 ? 0 : 1;
