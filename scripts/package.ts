// `npm run package`: a release folder and zip per platform, each holding one executable (Node's
// single-executable applications, on Node 22 from the npm registry's node-<platform> packages),
// mappings/, the README, the licenses, and the SHA-256 of every file.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import archiver from 'archiver';
import { inject as postject } from 'postject';
import lockfile from 'proper-lockfile';
import { bundle, packageVersion } from './bundle.js';
import { PACK_WORKER_ASSET } from '../src/pipeline/worker-sink.js';
import { ROOT } from './root.js';
import { thirdPartyLicenses } from './licenses.js';
import { EXECUTABLE_NODE, nodeBinary, type NodeTarget } from './node-binary.js';
import { removePeSignature } from './pe-signature.js';
import { setWindowsVersionInfo } from './windows-resources.js';

// Node looks for this fuse in its own binary to know that a program was injected.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const TARGETS: readonly NodeTarget[] = ['linux-x64', 'win-x64'];
export const RELEASE_DIR = path.join(ROOT, 'dist', 'release');

export interface Release {
  target: NodeTarget;
  folder: string;
  executable: string;
  zip: string;
}

export function releaseName(target: NodeTarget): string {
  return `clearnox-sync-${packageVersion()}-${target}`;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Every file under `dir`, as sorted paths relative to it with / separators. */
export async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await filesUnder(path.join(dir, d.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** The program blob Node injects; without a code cache or snapshot it is the same for every platform. */
async function seaBlob(work: string): Promise<string> {
  const script = path.join(work, 'clearnox-sync.cjs');
  const metafile = await bundle(script);
  await writeFile(path.join(work, 'THIRD-PARTY-LICENSES.txt'), await thirdPartyLicenses(metafile, nodeBinary('linux-x64', 22)));
  // A worker thread cannot start from a file inside the executable: its code travels as an asset.
  // What it bundles (archiver and its streams) is in the program too, so the licences are the same.
  const worker = path.join(work, PACK_WORKER_ASSET);
  await bundle(worker, 'src/pipeline/pack-worker.ts');
  const blob = path.join(work, 'sea-prep.blob');
  const config = path.join(work, 'sea-config.json');
  await writeFile(
    config,
    JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, assets: { [PACK_WORKER_ASSET]: worker } }),
  );
  const made = spawnSync(nodeBinary('linux-x64', 22), ['--experimental-sea-config', config], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`making the program blob failed: ${made.stderr}`);
  return blob;
}

async function inject(executable: string, blob: string): Promise<void> {
  // postject's ELF library warns of every note section of the stripped binary it cannot name;
  // harmless (the test suite runs what it makes), and it would bury the build's real output.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!/^warning: Can't find string offset for section name/.test(String(args[0]))) warn(...args);
  };
  try {
    await postject(executable, 'NODE_SEA_BLOB', await readFile(blob), { sentinelFuse: SEA_FUSE });
  } finally {
    console.warn = warn;
  }
}

/** The README as read in Notepad: without the marks around its generated tables. */
export function readmeText(markdown: string): string {
  return markdown.replace(/^<!-- (generated: [\w.]+|end generated) -->\r?\n/gm, '');
}

function textForWindows(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

async function zipFolder(folder: string, zip: string, executableName: string): Promise<void> {
  const archive = archiver('zip', { zlib: { level: 9 } });
  const out = createWriteStream(zip);
  const done = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
    archive.on('error', reject);
  });
  archive.pipe(out);
  const top = path.basename(folder);
  for (const rel of await filesUnder(folder)) {
    archive.file(path.join(folder, rel), { name: `${top}/${rel}`, mode: rel === executableName ? 0o755 : 0o644 });
  }
  await archive.finalize();
  // archiver's finalize resolves before the file is written whole.
  await done;
}

async function packTarget(target: NodeTarget, blob: string, work: string): Promise<Release> {
  const windows = target.startsWith('win');
  const folder = path.join(RELEASE_DIR, releaseName(target));
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  const exeName = windows ? 'clearnox-sync.exe' : 'clearnox-sync';
  const executable = path.join(folder, exeName);
  await copyFile(nodeBinary(target, 22), executable);
  await chmod(executable, 0o755);
  if (windows) {
    removePeSignature(executable);
    await setWindowsVersionInfo(executable, { version: packageVersion(), description: 'clearnox-sync: attaches invoice PDFs to Clearnox entries' });
  }
  // The official Linux binary keeps its symbol table (about 18 MB): not needed to run.
  else if (spawnSync('strip', [executable]).status !== 0) throw new Error('strip failed on the Linux executable');
  await inject(executable, blob);

  await mkdir(path.join(folder, 'mappings', 'templates'), { recursive: true });
  await copyFile(path.join(ROOT, 'mappings', 'mapping.schema.json'), path.join(folder, 'mappings', 'mapping.schema.json'));
  for (const t of await readdir(path.join(ROOT, 'mappings', 'templates'))) {
    const text = await readFile(path.join(ROOT, 'mappings', 'templates', t), 'utf8');
    await writeFile(path.join(folder, 'mappings', 'templates', t), windows ? textForWindows(text) : text);
  }
  const text = async (from: string) => {
    const t = await readFile(from, 'utf8');
    return windows ? textForWindows(t) : t;
  };
  await writeFile(path.join(folder, 'README.txt'), readmeText(await text(path.join(ROOT, 'README.md'))));
  await writeFile(path.join(folder, 'LICENSE.txt'), await text(path.join(ROOT, 'LICENSE')));
  await writeFile(path.join(folder, 'THIRD-PARTY-LICENSES.txt'), await text(path.join(work, 'THIRD-PARTY-LICENSES.txt')));

  const sums = [];
  for (const rel of await filesUnder(folder)) sums.push(`${await sha256(path.join(folder, rel))}  ${rel}`);
  await writeFile(path.join(folder, 'SHA256SUMS.txt'), `${sums.join('\n')}\n`);

  const zip = `${folder}.zip`;
  await rm(zip, { force: true });
  await zipFolder(folder, zip, exeName);
  await writeFile(`${zip}.sha256`, `${await sha256(zip)}  ${path.basename(zip)}\n`);
  return { target, folder, executable, zip };
}

/** What a release is made of besides the program: a change to any of these rebuilds it. */
async function inputsDigest(blob: string): Promise<string> {
  const hash = createHash('sha256').update(await readFile(blob));
  const files = ['README.md', 'LICENSE', ...(await filesUnder(path.join(ROOT, 'mappings'))).map((f) => `mappings/${f}`), ...(await filesUnder(path.join(ROOT, 'scripts'))).map((f) => `scripts/${f}`)];
  for (const f of files) hash.update(f).update(await readFile(path.join(ROOT, f)));
  return hash.digest('hex');
}

/**
 * Builds the release of each target. With `reuse`, releases made from the same program and files
 * are kept as they are (the tests ask for them on every run; injecting takes a minute).
 */
export async function buildReleases(targets: readonly NodeTarget[] = TARGETS, opts: { reuse?: boolean } = {}): Promise<Release[]> {
  await mkdir(RELEASE_DIR, { recursive: true });
  // Two test runs at once would otherwise build into the same folders. postject holds the event
  // loop for tens of seconds, in which the lock cannot be refreshed: hence the long staleness.
  const release = await lockfile.lock(RELEASE_DIR, { stale: 600_000, update: 30_000, retries: { retries: 600, minTimeout: 1000, maxTimeout: 1000 } });
  try {
    return await build(targets, opts);
  } finally {
    await release();
  }
}

async function build(targets: readonly NodeTarget[], opts: { reuse?: boolean }): Promise<Release[]> {
  const work = path.join(RELEASE_DIR, '.work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const blob = await seaBlob(work);
  const digest = await inputsDigest(blob);
  const releases = [];
  for (const target of targets) {
    const folder = path.join(RELEASE_DIR, releaseName(target));
    const stamp = path.join(RELEASE_DIR, `.${releaseName(target)}.inputs`);
    const made = await readFile(stamp, 'utf8').catch(() => '');
    if (opts.reuse && made === digest && existsSync(`${folder}.zip.sha256`)) {
      releases.push({ target, folder, executable: path.join(folder, target.startsWith('win') ? 'clearnox-sync.exe' : 'clearnox-sync'), zip: `${folder}.zip` });
      continue;
    }
    await rm(stamp, { force: true });
    releases.push(await packTarget(target, blob, work));
    await writeFile(stamp, digest);
  }
  return releases;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const releases = await buildReleases();
  for (const r of releases) {
    const [exe, zip] = await Promise.all([stat(r.executable), stat(r.zip)]);
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    console.log(`${r.target}: ${path.relative(ROOT, r.folder)} (executable ${mb(exe.size)}), ${path.relative(ROOT, r.zip)} (${mb(zip.size)}); Node ${EXECUTABLE_NODE}`);
  }
}
