// Fetching 2,000 PDFs of 100 KB from a local OpenSSH server (the test set-up's sshd): the SFTP
// store beside OpenSSH's own `sftp -b` getting the same files in the same run. Target: at least
// as fast as sftp -b, with peak memory bounded (it does not grow with the number of files).
// Then the same files through a whole run (look-up, checks, archives, upload to the sandbox).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openSqlite } from '../adapters/database/sqlite-driver.js';
import { startSandbox } from '../src/sandbox/server.js';
import { startProxy } from '../test/adapters/documents/tcp-proxy.js';
import startSamba, { type SambaInfo } from '../test/services/samba.js';
import startSshd, { type SshdInfo } from '../test/services/sshd.js';
import { benchEntry, benchMapping } from './lib/fixtures.js';
import { measureNode, table, timeCommand } from './lib/measure.js';

const count = Number(process.env.BENCH_DOCUMENTS_COUNT ?? 2000);
const kib = Number(process.env.BENCH_DOCUMENTS_KB ?? 100);
const child = path.join(import.meta.dirname, 'lib/documents-child.js');
const runChild = path.join(import.meta.dirname, 'lib/pipeline-child.js');
async function measureCommandWithInput(cmd: string, args: string[], input: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${cmd} exited ${code}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let info: SshdInfo | undefined;
const stop = await startSshd({ provide: (_key: string, value: SshdInfo) => (info = value) } as unknown as TestProject);
const local = await mkdtemp(path.join(os.tmpdir(), 'cnx-bench-documents-'));
const remote = path.join(info!.storeDir, 'bench');
try {
  const filler = randomBytes(kib * 1024 - 32);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const rel = `${String(i % 20).padStart(2, '0')}/FA-${String(i).padStart(6, '0')}.pdf`;
    if (i < 20) await mkdir(path.join(remote, path.dirname(rel)), { recursive: true, mode: 0o755 });
    await writeFile(path.join(remote, rel), Buffer.concat([Buffer.from(`%PDF-1.4 ${i}\n`.padEnd(32)), filler]), { mode: 0o644 });
    names.push(rel);
  }
  execFileSync('chmod', ['-R', 'a+rX', remote]);
  const listFile = path.join(local, 'list.txt');
  await writeFile(listFile, names.join('\n'));
  execFileSync('sync');

  const fresh = async (name: string) => {
    const dir = path.join(local, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await chmod(dir, 0o755);
    return dir;
  };
  const rows: Record<string, string | number>[] = [];
  const mib = (count * kib) / 1024;

  // OpenSSH's client, one session, the files one after the other (as sftp -b does).
  const batchDir = await fresh('sftp-b');
  const batch = path.join(local, 'batch.txt');
  await writeFile(batch, names.map((n, i) => `get "${remote}/${n}" "${batchDir}/${i}.pdf"`).join('\n') + '\n');
  const sftpB = async () => {
    const ms = await timeCommand('sftp', [
      '-q', '-b', batch, '-i', info!.keyFile, '-P', String(info!.port),
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
      `${info!.username}@${info!.host}`,
    ]);
    if ((await readdir(batchDir)).length !== count) throw new Error('sftp -b did not get every file');
    return ms;
  };
  const options = (connections: number, transfersPerConnection: number) =>
    JSON.stringify({
      host: info!.host, port: info!.port, username: info!.username, privateKeyFile: info!.keyFile,
      hostKeyFingerprint: info!.hostFingerprint, root: remote, connections, transfersPerConnection,
    });
  const store = async (connections: number, perConnection: number, list = listFile, expected = count) => {
    const out = await fresh(`store-${connections}-${perConnection}`);
    const run = await measureNode<{ files: number }>(child, ['sftp', options(connections, perConnection), list, out, String(connections * perConnection)]);
    if (run.result.files !== expected || (await readdir(out)).length !== expected) throw new Error('the store did not get every file');
    return run;
  };

  // The machine is small and may be shared: sftp -b and the store's defaults take turns, three
  // times each, and the medians are compared.
  const sftpTimes: number[] = [];
  const defaultRuns: Awaited<ReturnType<typeof store>>[] = [];
  for (let round = 0; round < 3; round++) {
    sftpTimes.push(await sftpB());
    defaultRuns.push(await store(2, 8));
  }
  const sftpMs = median(sftpTimes);
  const defaultsMs = median(defaultRuns.map((r) => r.wallMs));
  rows.push({ client: 'sftp -b (OpenSSH), median of 3', connections: 1, 'in flight': 1, s: sftpMs / 1000, 'MiB/s': mib / (sftpMs / 1000), 'peak RSS MiB': '-' });
  rows.push({
    client: 'sftp store, defaults, median of 3', connections: 2, 'in flight': 16, s: defaultsMs / 1000, 'MiB/s': mib / (defaultsMs / 1000),
    'peak RSS MiB': Math.max(...defaultRuns.map((r) => r.peakRssMiB)),
  });
  for (const [connections, perConnection] of [[1, 1], [1, 8], [4, 8]] as const) {
    const run = await store(connections, perConnection);
    rows.push({ client: 'sftp store', connections, 'in flight': connections * perConnection, s: run.wallMs / 1000, 'MiB/s': mib / (run.wallMs / 1000), 'peak RSS MiB': run.peakRssMiB });
  }

  // Farther than loopback: 5 ms each way (10 ms round trips, a server in the same region), on a
  // quarter of the files. sftp -b pays every round trip of every file; the store overlaps them.
  const quarterList = path.join(local, 'quarter.txt');
  await writeFile(quarterList, names.slice(0, count / 4).join('\n'));
  const far = await startProxy(info!.port, 5);
  try {
    const nearPort = info!.port;
    info!.port = far.port;
    const quarterBatch = path.join(local, 'batch-quarter.txt');
    await writeFile(quarterBatch, names.slice(0, count / 4).map((n, i) => `get "${remote}/${n}" "${batchDir}/${i}.pdf"`).join('\n') + '\n');
    const sftpFar = await timeCommand('sftp', [
      '-q', '-b', quarterBatch, '-i', info!.keyFile, '-P', String(far.port),
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', `${info!.username}@${info!.host}`,
    ]);
    const storeFar = await store(2, 8, quarterList, count / 4);
    info!.port = nearPort;
    const farMib = mib / 4;
    rows.push({ client: `sftp -b, ${count / 4} files, 10 ms RTT`, connections: 1, 'in flight': 1, s: sftpFar / 1000, 'MiB/s': farMib / (sftpFar / 1000), 'peak RSS MiB': '-' });
    rows.push({ client: `sftp store, ${count / 4} files, 10 ms RTT`, connections: 2, 'in flight': 16, s: storeFar.wallMs / 1000, 'MiB/s': farMib / (storeFar.wallMs / 1000), 'peak RSS MiB': storeFar.peakRssMiB });
  } finally {
    await far.close();
  }

  // For comparison, the same quarter of the files from a Samba share through the smb store
  // (its smbclient sessions, one command at a time) and through smbclient's own prompt (one session).
  {
    let smb: SambaInfo | undefined;
    const stopSamba = await startSamba({ provide: (_key: string, value: SambaInfo) => (smb = value) } as unknown as TestProject);
    try {
      const shared = path.join(smb!.shareDir, 'bench');
      await mkdir(shared, { mode: 0o755 });
      for (const sub of new Set(names.map((n) => path.dirname(n)))) await mkdir(path.join(shared, sub), { mode: 0o755 });
      for (const n of names.slice(0, count / 4)) execFileSync('cp', [path.join(remote, n), path.join(shared, n)]);
      execFileSync('chmod', ['-R', 'a+rX', shared]);
      const smbOptions = JSON.stringify({
        root: `\\\\${smb!.host}\\${smb!.share}\\bench`, port: smb!.port, username: smb!.username, password: smb!.password, domain: smb!.domain,
      });
      const out = await fresh('smb');
      const run = await measureNode<{ files: number }>(child, ['smb', smbOptions, quarterList, out, '4']);
      if (run.result.files !== count / 4) throw new Error('the smb store did not get every file');
      const smbBatch = names.slice(0, count / 4).map((n, i) => `get "bench\\${n.replace('/', '\\')}" "${out}/c${i}.pdf"`).join('\n') + '\n';
      const cmd = await measureCommandWithInput('smbclient', [`//${smb!.host}/${smb!.share}`, '-p', String(smb!.port), '-U', smb!.username, '-W', smb!.domain, '-E'], smbBatch, { PASSWD: smb!.password });
      rows.push({ client: `smbclient, one session, ${count / 4} files`, connections: 1, 'in flight': 1, s: cmd / 1000, 'MiB/s': mib / 4 / (cmd / 1000), 'peak RSS MiB': '-' });
      rows.push({ client: `smb store, ${count / 4} files`, connections: 4, 'in flight': 4, s: run.wallMs / 1000, 'MiB/s': mib / 4 / (run.wallMs / 1000), 'peak RSS MiB': run.peakRssMiB });
    } finally {
      await stopSamba();
    }
  }

  // What the process weighs before any file (Node, the adapters' modules, one SSH session), and
  // on a quarter of the files: memory must not follow the number of files.
  const emptyList = path.join(local, 'empty.txt');
  await writeFile(emptyList, '');
  const idle = await store(2, 8, emptyList, 0);
  const quarter = await store(2, 8, quarterList, count / 4);

  // The same files through a whole run: look-up, checks, archives, upload to the sandbox.
  const db = await openSqlite(path.join(local, 'erp.sqlite'), { create: true });
  db.exec('CREATE TABLE invoices (number TEXT PRIMARY KEY, pdf TEXT)');
  const insert = db.prepare('INSERT INTO invoices VALUES (?, ?)');
  names.forEach((n, i) => insert.run(`FA-${String(i).padStart(6, '0')}`, n));
  db.close();
  const entries = names.map((_, i) => benchEntry(i, `FA-${String(i).padStart(6, '0')}`));
  const sandbox = await startSandbox({ entries, rateLimit: false, pollRetryAfterSeconds: null });
  try {
    const mapping = path.join(local, 'mapping.yaml');
    await writeFile(
      mapping,
      benchMapping(
        sandbox.url,
        `  type: sftp\n  host: ${info!.host}\n  port: ${info!.port}\n  username: ${info!.username}\n  privateKeyFile: ${info!.keyFile}\n` +
          `  hostKeyFingerprint: "${info!.hostFingerprint}"\n  root: ${remote}\n`,
      ),
    );
    const run = await measureNode<{ attached: number }>(runChild, [mapping], { BENCH_SECRET: 'sandbox-secret' });
    if (run.result.attached !== count) throw new Error(`the run attached ${run.result.attached} of ${count}`);
    rows.push({ client: 'whole run (sftp store, archives, upload)', connections: 2, 'in flight': 8, s: run.wallMs / 1000, 'MiB/s': mib / (run.wallMs / 1000), 'peak RSS MiB': run.peakRssMiB });
  } finally {
    await sandbox.close();
  }

  console.log(`${count} files of ${kib} KiB (${mib.toFixed(0)} MiB) over SFTP from 127.0.0.1, written to local files`);
  console.log(table(rows));
  console.log(
    `defaults (2 connections x 8): ${(defaultsMs / 1000).toFixed(2)} s vs sftp -b ${(sftpMs / 1000).toFixed(2)} s (medians; each run: ` +
      `store ${defaultRuns.map((r) => (r.wallMs / 1000).toFixed(2)).join(', ')}; sftp -b ${sftpTimes.map((t) => (t / 1000).toFixed(2)).join(', ')})`,
  );
  console.log(
    `start-up, log-in and close with no file: ${(idle.wallMs / 1000).toFixed(2)} s; peak RSS: ${idle.peakRssMiB.toFixed(1)} MiB with no file, ${quarter.peakRssMiB.toFixed(1)} MiB for ${count / 4} files, ` +
      `${Math.max(...defaultRuns.map((r) => r.peakRssMiB)).toFixed(1)} MiB for ${count} (defaults)`,
  );
  process.exitCode = defaultsMs <= sftpMs ? 0 : 1;
} finally {
  await rm(local, { recursive: true, force: true });
  await rm(remote, { recursive: true, force: true });
  await stop();
}
