// Time and memory of a command and everything it starts (a shell script's curl, sftp and zip; the
// CLI's smbclient sessions). GNU time gives the exact peak of the largest single process (the
// kernel's maxrss of the command and its descendants); /proc, read every few milliseconds while
// it runs, gives the largest sum of the whole tree's resident sets.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface TreeMeasure {
  wallMs: number;
  /** Peak resident set of the largest single process of the tree, MiB (for the CLI: Node's own). */
  peakRssMiB: number;
  /** The largest sum of the tree's resident sets seen at one sample, MiB. */
  treeRssMiB: number;
  output: string;
}

const SAMPLE_MS = 20;
const GNU_TIME = '/usr/bin/time';

async function rssKiB(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0; // gone between two reads
  }
}

async function children(pid: number): Promise<number[]> {
  const list = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return list.split(' ').filter(Boolean).map(Number);
}

async function descendants(root: number): Promise<number[]> {
  const all: number[] = [];
  const queue = await children(root);
  while (queue.length) {
    const pid = queue.shift()!;
    all.push(pid);
    queue.push(...(await children(pid)));
  }
  return all;
}

/** Runs the command to its end; a non-zero exit throws with the end of its output. */
export async function measureTree(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<TreeMeasure> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'cnx-bench-time-'));
  const timeFile = path.join(tmp, 'maxrss');
  try {
    const started = process.hrtime.bigint();
    const child = spawn(GNU_TIME, ['-f', '%M', '-o', timeFile, cmd, ...args], {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (c: Buffer) => (output = (output + c.toString()).slice(-20_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let done = false;
    void exited.then(() => (done = true));
    let treeKiB = 0;
    while (!done) {
      let sum = 0;
      for (const pid of await descendants(child.pid!)) sum += await rssKiB(pid);
      treeKiB = Math.max(treeKiB, sum);
      await Promise.race([exited, new Promise((r) => setTimeout(r, SAMPLE_MS))]);
    }
    const code = await exited;
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${output}`);
    const maxKiB = Number((await readFile(timeFile, 'utf8')).trim().split('\n').at(-1));
    return { wallMs, peakRssMiB: maxKiB / 1024, treeRssMiB: Math.max(treeKiB, maxKiB) / 1024, output };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
