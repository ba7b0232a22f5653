// Fetching 2,000 PDFs of 100 KB from a local OpenSSH server (the test set-up's sshd): the SFTP
// store beside OpenSSH's own `sftp -b` getting the same files in the same run. Target: at least
// as fast as sftp -b, with peak memory bounded (it does not grow with the number of files).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import startSshd, { type SshdInfo } from '../test/services/sshd.js';
import { measureNode, table, timeCommand } from './lib/measure.js';

const count = Number(process.env.BENCH_DOCUMENTS_COUNT ?? 2000);
const kib = Number(process.env.BENCH_DOCUMENTS_KB ?? 100);
const child = path.join(import.meta.dirname, 'lib/documents-child.js');

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
  // Write "sync" first so that every measure starts from the same page cache.
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
  const sftpMs = await timeCommand('sftp', [
    '-q', '-b', batch, '-i', info!.keyFile, '-P', String(info!.port),
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
    `${info!.username}@${info!.host}`,
  ]);
  if ((await readdir(batchDir)).length !== count) throw new Error('sftp -b did not get every file');
  rows.push({ client: 'sftp -b (OpenSSH)', connections: 1, 'in flight': 1, 's': sftpMs / 1000, 'MiB/s': mib / (sftpMs / 1000), 'peak RSS MiB': '-' });

  const options = (connections: number, transfersPerConnection: number) =>
    JSON.stringify({
      host: info!.host, port: info!.port, username: info!.username, privateKeyFile: info!.keyFile,
      hostKeyFingerprint: info!.hostFingerprint, root: remote, connections, transfersPerConnection,
    });
  // What the process weighs before any file (Node, the adapters' modules, one SSH session), and
  // the same store on a quarter of the files: memory must not follow the number of files.
  const emptyList = path.join(local, 'empty.txt');
  await writeFile(emptyList, '');
  const idle = await measureNode(child, ['sftp', options(2, 8), emptyList, await fresh('idle'), '16']);
  const quarterList = path.join(local, 'quarter.txt');
  await writeFile(quarterList, names.slice(0, count / 4).join('\n'));
  const quarter = await measureNode(child, ['sftp', options(2, 8), quarterList, await fresh('quarter'), '16']);
  for (const [connections, perConnection] of [[1, 1], [1, 8], [2, 8], [4, 8]] as const) {
    const out = await fresh(`store-${connections}-${perConnection}`);
    const run = await measureNode<{ files: number }>(child, ['sftp', options(connections, perConnection), listFile, out, String(connections * perConnection)]);
    if (run.result.files !== count || (await readdir(out)).length !== count) throw new Error('the store did not get every file');
    rows.push({ client: 'clearnox-sync sftp store', connections, 'in flight': connections * perConnection, 's': run.wallMs / 1000, 'MiB/s': mib / (run.wallMs / 1000), 'peak RSS MiB': run.peakRssMiB });
  }
  console.log(`${count} files of ${kib} KiB (${mib.toFixed(0)} MiB) over SFTP from 127.0.0.1, written to local files`);
  console.log(table(rows));
  const best = Math.min(...rows.slice(2).map((r) => r['s'] as number));
  const defaults = rows.find((r) => r['connections'] === 2)!;
  console.log(`default settings (2 connections x 8): ${(defaults['s'] as number).toFixed(2)} s vs sftp -b ${(sftpMs / 1000).toFixed(2)} s; best ${best.toFixed(2)} s`);
  console.log(
    `peak RSS: ${idle.peakRssMiB.toFixed(1)} MiB with no file, ${quarter.peakRssMiB.toFixed(1)} MiB for ${count / 4} files, ` +
      `${(defaults['peak RSS MiB'] as number).toFixed(1)} MiB for ${count} (defaults)`,
  );
  process.exitCode = (defaults['s'] as number) <= sftpMs / 1000 ? 0 : 1;
} finally {
  await rm(local, { recursive: true, force: true });
  await rm(remote, { recursive: true, force: true });
  await stop();
}
