// Uploading one 50 MiB archive, alone: the client's uploadArchive beside `curl -F` posting the
// same file with the same headers (the same token, a fresh Idempotency-Key each time), taking
// turns, to the sandbox (which parses, hashes, stores and checks the archive before its 202) and
// to a sink that drops the body (what the sending alone costs). Target: the client's median time
// to the sandbox at most 1/0.9 of curl's. The client runs in a process of its own that uploads
// when asked, as a run sends archive after archive: its peak memory is the client's alone, and its
// first upload (code not yet compiled) is reported apart. The sandbox's CPU time per upload says
// whether the sandbox is the limit.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import archiver from 'archiver';
import { startSandbox } from '../src/sandbox/server.js';
import { benchEntry } from './lib/fixtures.js';
import { table } from './lib/measure.js';
import { startClientProcess } from './lib/upload-client-process.js';
import { startSink } from './lib/upload-sink.js';

const pairs = Number(process.env.BENCH_UPLOAD_REPEATS ?? 5);
const documents = Number(process.env.BENCH_UPLOAD_MIB ?? 50); // one PDF of about 1 MiB each
const SECRET = 'sandbox-secret';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A valid import: the PDFs (random, so incompressible) stored, and metadata.json naming them. */
async function buildArchive(file: string): Promise<void> {
  const zip = archiver('zip', { store: true });
  const out = createWriteStream(file);
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    zip.on('error', reject);
  });
  zip.pipe(out);
  const listed = [];
  for (let i = 0; i < documents; i++) {
    const fileName = `FA-${String(i).padStart(7, '0')}.pdf`;
    zip.append(Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(1024 * 1024 - 200)]), { name: fileName });
    listed.push({ fileName, entryIds: [benchEntry(i, fileName).id] });
  }
  zip.append(JSON.stringify({ version: 1, documents: listed }), { name: 'metadata.json' });
  await zip.finalize();
  await closed;
}

function curlUpload(url: string, archive: string, headersFile: string, key: string, answerFile: string): Promise<number> {
  // The token is read from a file (-H @file), never written on a command line.
  const args = ['-sS', '-o', answerFile, '-w', '%{http_code} %{time_total}', '-H', `@${headersFile}`, '-H', `idempotency-key: ${key}`, '-F', `file=@${archive};type=application/zip`, `${url}/api/v1/documents/imports`];
  return new Promise((resolve, reject) => {
    const p = spawn('curl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.once('error', (err) => reject(new Error(`curl could not be started (${err.message}); install it: apt-get install curl`)));
    p.once('exit', (code) => {
      const [status, seconds] = out.trim().split(' ');
      if (code !== 0 || status !== '202') reject(new Error(`curl exited ${code} with HTTP ${status}`));
      else resolve(Number(seconds) * 1000);
    });
  });
}

async function token(url: string): Promise<string> {
  const res = await fetch(`${url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'sandbox-client', client_secret: SECRET }) });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Until the import is no longer processing, so that no upload is measured beside another's processing. */
async function settled(url: string, bearer: string, importId: string): Promise<void> {
  for (;;) {
    const res = await fetch(`${url}/api/v1/documents/imports/${importId}`, { headers: { authorization: `Bearer ${bearer}` } });
    if (((await res.json()) as { status: string }).status !== 'processing') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-bench-upload-'));
const sandbox = await startSandbox({
  entries: Array.from({ length: documents }, (_, i) => benchEntry(i, `FA-${String(i).padStart(7, '0')}`)),
  rateLimit: false,
  // Processing starts after curl has exited, so that the sandbox's CPU time measured around a curl
  // upload is its receiving alone.
  processingDelayMs: 100,
  pollRetryAfterSeconds: null,
});
const sink = await startSink();
try {
  const archive = path.join(dir, 'archive-0001.zip');
  await buildArchive(archive);
  const { size } = await stat(archive);
  const answer = path.join(dir, 'answer.json');
  const runId = randomBytes(4).toString('hex');
  let n = 0;

  const targets = [
    { name: 'sandbox', url: sandbox.url, bearer: await token(sandbox.url) },
    { name: 'sink', url: sink.url, bearer: 'sink-token' },
  ];
  const rows = [];
  let ratio = Infinity;
  for (const target of targets) {
    const headersFile = path.join(dir, `${target.name}.headers`);
    await writeFile(headersFile, `authorization: Bearer ${target.bearer}\n`, { mode: 0o600 });
    const samples = { client: [] as number[], curl: [] as number[], sandboxCpu: [] as number[], clientFirst: 0 };
    const clientProcess = startClientProcess(target.url, archive, SECRET);
    const client = async (counted: boolean) => {
      const sent = await clientProcess.upload(`bench-upload-${runId}-${++n}`);
      if (target.name === 'sandbox') await settled(target.url, target.bearer, sent.importId);
      if (counted) samples.client.push(sent.ms);
      else samples.clientFirst = sent.ms;
    };
    const curl = async (counted: boolean) => {
      const cpu = process.cpuUsage();
      const ms = await curlUpload(target.url, archive, headersFile, `bench-upload-${runId}-${++n}`, answer);
      const used = process.cpuUsage(cpu);
      if (target.name === 'sandbox') await settled(target.url, target.bearer, (JSON.parse(await readFile(answer, 'utf8')) as { importId: string }).importId);
      if (!counted) return;
      samples.curl.push(ms);
      samples.sandboxCpu.push((used.user + used.system) / 1000);
    };
    // One of each first, not counted: the file in the page cache, the sandbox's code compiled.
    await client(false);
    await curl(false);
    for (let i = 0; i < pairs; i++) {
      // Taking turns at going first, so that a drift of the machine falls on both.
      if (i % 2 === 0) {
        await client(true);
        await curl(true);
      } else {
        await curl(true);
        await client(true);
      }
    }
    const peakRss = await clientProcess.close();
    const clientMs = median(samples.client);
    const curlMs = median(samples.curl);
    if (target.name === 'sandbox') ratio = clientMs / curlMs;
    rows.push({
      to: target.name,
      'client ms': clientMs,
      'curl ms': curlMs,
      'client/curl': clientMs / curlMs,
      'client MB/s': size / 1000 / clientMs,
      'curl MB/s': size / 1000 / curlMs,
      'client first ms': samples.clientFirst,
      'client peak RSS MiB': peakRss,
      // This process is the sandbox's: its CPU time while curl uploads is the receiving's.
      'sandbox CPU ms/upload': target.name === 'sandbox' ? median(samples.sandboxCpu) : '',
      'client samples': samples.client.map((x) => Math.round(x)).join(' '),
      'curl samples': samples.curl.map((x) => Math.round(x)).join(' '),
    });
  }
  console.log(`one archive of ${(size / 2 ** 20).toFixed(1)} MiB (${documents} PDFs and metadata.json), medians of ${pairs} turns each; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, load ${os.loadavg()[0]!.toFixed(2)}`);
  console.log(table(rows));
  console.log(`client/curl to the sandbox: ${ratio.toFixed(2)} (target: at most ${(1 / 0.9).toFixed(2)}, i.e. at least 0.9x curl's speed)`);
  process.exitCode = ratio <= 1 / 0.9 ? 0 : 1;
} finally {
  await sink.close();
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
}
