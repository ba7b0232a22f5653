// What this copy of clearnox-sync is and where its own files are (mappings/: the JSON Schema and
// the templates): beside the executable in a release, in the repository when Node runs dist/.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';

// Set by the package build (scripts/bundle.ts): the executable has no package.json to read.
declare const CLEARNOX_SYNC_VERSION: string | undefined;

export function isExecutable(): boolean {
  return isSea();
}

/**
 * The folder holding mappings/: the executable's own, or the one holding package.json (from src/
 * in tests, dist/src/ built); a bundle run by Node far from both looks beside itself.
 */
export function installRoot(): string {
  if (isExecutable()) return path.dirname(process.execPath);
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return here;
  }
}

export function version(): string {
  if (typeof CLEARNOX_SYNC_VERSION === 'string') return CLEARNOX_SYNC_VERSION;
  return (JSON.parse(readFileSync(path.join(installRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** What --version prints: enough for a support request to say which build runs where. */
export function versionText(): string {
  const build = isExecutable() ? 'single executable' : `run by ${process.execPath}`;
  return `clearnox-sync ${version()} (Node.js ${process.version}, ${process.platform}-${process.arch}, ${build})`;
}

/** How a person starts this same program again, to be printed in a hint. */
export function invocation(): string {
  if (!isExecutable()) return 'node dist/src/cli/main.js';
  return /\s/.test(process.execPath) ? `"${process.execPath}"` : process.execPath;
}
