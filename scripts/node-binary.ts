// The Node.js binaries the package is built from and the other Node versions are tested on, taken
// from the npm registry's node-<platform> packages: the build needs no other download site, and
// npm checks each package against the registry's integrity, which is pinned here besides.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './root.js';

export type NodeTarget = 'linux-x64' | 'win-x64';

interface Pinned {
  version: string;
  integrity: string;
}

const PINNED: Record<string, Pinned> = {
  'win-x64@22': { version: '22.23.3', integrity: 'sha512-lJNBVsNw5Zf+VEHAwatmQxF8eY5hHVEd1ufVYn+5XVrSNB0x55V1cd/rJyOeElCnY2cRebGq//siePEGRZKYjg==' },
  'linux-x64@22': { version: '22.23.3', integrity: 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==' },
  'linux-x64@24': { version: '24.22.3', integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==' },
};

/** Node 22 LTS is inside the executables: the newest Node whose node.exe Wine 8 runs (24's does not start). */
export const EXECUTABLE_NODE = PINNED['linux-x64@22']!.version;

const CACHE = path.join(ROOT, 'node_modules', '.cache', 'clearnox-sync', 'node');

export function pinnedNode(target: NodeTarget, major: 22 | 24): Pinned {
  const pinned = PINNED[`${target}@${major}`];
  if (!pinned) throw new Error(`no Node ${major} binary is pinned for ${target} in scripts/node-binary.ts`);
  return pinned;
}

/** Path of the `node` (or `node.exe`) of that pinned version, fetched and unpacked once into node_modules/.cache. */
export function nodeBinary(target: NodeTarget, major: 22 | 24 = 22): string {
  const { version, integrity } = pinnedNode(target, major);
  const pkg = `node-${target}`;
  const dir = path.join(CACHE, `${pkg}-${version}`);
  const binary = path.join(dir, 'package', 'bin', target.startsWith('win') ? 'node.exe' : 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(CACHE, { recursive: true });
  // Unpacked aside and renamed into place: two test workers may ask at once.
  const work = mkdtempSync(path.join(CACHE, `.${pkg}-`));
  try {
    const packed = spawnSync('npm', ['pack', `${pkg}@${version}`, '--json', '--pack-destination', work], { cwd: work, encoding: 'utf8' });
    if (packed.status !== 0) throw new Error(`npm pack ${pkg}@${version} failed: ${packed.stderr.trim()}`);
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    const tgz = path.join(work, path.basename(filename));
    const got = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    if (got !== integrity) throw new Error(`${pkg}@${version} from the registry has integrity ${got}, not the pinned ${integrity}`);
    const unpacked = path.join(work, 'out');
    mkdirSync(unpacked);
    const tar = spawnSync('tar', ['-xzf', tgz, '-C', unpacked], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`unpacking ${tgz} failed: ${tar.stderr.trim()}`);
    try {
      renameSync(unpacked, dir);
    } catch (e) {
      if (!existsSync(binary)) throw e;
    }
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
