// The release executables beside the npm install: size of each executable and zip, and start-up
// of `--version` and of the demo (medians, the two forms run alternately), natively and, for the
// Windows executable, under Wine. Targets: the Linux executable's demo within 1.2x the npm
// install's; an executable under 80 MB.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EXECUTABLE_NODE, nodeBinary } from '../scripts/node-binary.js';
import { buildReleases } from '../scripts/package.js';
import { startWine, WINE, wineEnvironment } from '../test/services/wine.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** Wall time of one run in ms; output to a file, as Wine needs. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', 'exec "$@" >/dev/null 2>"$ERR"', 'sh', command, ...args], { env: { ...env, ERR: path.join(os.tmpdir(), 'cnx-bench-exe.err') }, timeout: 300_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status ?? r.signal}`);
  return ms;
}

interface Form {
  name: string;
  command: string;
  args: (demoDir: string) => { version: string[]; demo: string[] };
  env: NodeJS.ProcessEnv;
}

async function compare(title: string, forms: Form[]): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'cnx-bench-exe-'));
  const times = new Map(forms.map((f) => [f.name, { version: [] as number[], demo: [] as number[] }]));
  try {
    // Alternately, so that a busy moment of the machine falls on both.
    for (let i = 0; i < RUNS; i++) {
      for (const f of forms) {
        const a = f.args(path.join(work, `${f.name.replace(/\W+/g, '-')}-${i}`));
        times.get(f.name)!.version.push(timed(f.command, a.version, f.env));
        times.get(f.name)!.demo.push(timed(f.command, a.demo, f.env));
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log(`\n${title} (median of ${RUNS}, ms)`);
  console.log('| form | --version | demo |\n| --- | --- | --- |');
  for (const f of forms) {
    const t = times.get(f.name)!;
    console.log(`| ${f.name} | ${median(t.version).toFixed(0)} | ${median(t.demo).toFixed(0)} |`);
  }
  const [first, ...others] = forms;
  for (const other of first ? others : []) {
    const ratio = median(times.get(first!.name)!.demo) / median(times.get(other.name)!.demo);
    console.log(`demo: ${first!.name} / ${other.name} = ${ratio.toFixed(2)}`);
  }
}

const releases = await buildReleases(undefined, { reuse: true });
console.log('| file | size |\n| --- | --- |');
for (const r of releases) {
  console.log(`| ${path.relative(ROOT, r.executable)} | ${mb((await stat(r.executable)).size)} |`);
  console.log(`| ${path.relative(ROOT, r.zip)} | ${mb((await stat(r.zip)).size)} |`);
}
const linux = releases.find((r) => r.target === 'linux-x64')!;
const windows = releases.find((r) => r.target === 'win-x64')!;
const env = { PATH: process.env.PATH, HOME: os.tmpdir(), LANG: 'C.UTF-8' };

await compare(`Linux, natively (npm install: ${process.execPath} ${process.version})`, [
  { name: 'executable', command: linux.executable, args: (d) => ({ version: ['--version'], demo: ['demo', '--dir', d] }), env },
  { name: `node dist/src/cli/main.js (Node ${process.version})`, command: process.execPath, args: (d) => ({ version: [CLI, '--version'], demo: [CLI, 'demo', '--dir', d] }), env },
  // The same Node as inside the executable: what the bundle itself changes.
  { name: `node dist/src/cli/main.js (Node ${EXECUTABLE_NODE})`, command: nodeBinary('linux-x64', 22), args: (d) => ({ version: [CLI, '--version'], demo: [CLI, 'demo', '--dir', d] }), env },
]);

const wine = await startWine();
try {
  const wenv = wineEnvironment(wine.info.prefix);
  // A first start of the prefix's wineserver is not what a Windows machine pays.
  timed(WINE, [windows.executable, '--version'], wenv);
  const winPath = (p: string) => `Z:${p.split('/').join('\\')}`;
  await compare('Windows executable under Wine 8 (node.exe 22 running the npm install beside it)', [
    { name: 'clearnox-sync.exe', command: WINE, args: (d) => ({ version: [windows.executable, '--version'], demo: [windows.executable, 'demo', '--dir', winPath(d)] }), env: wenv },
    {
      name: 'node.exe dist\\src\\cli\\main.js',
      command: WINE,
      args: (d) => ({ version: [wine.info.nodeExe, winPath(CLI), '--version'], demo: [wine.info.nodeExe, winPath(CLI), 'demo', '--dir', winPath(d)] }),
      env: wenv,
    },
  ]);
} finally {
  await wine.stop();
}
