// THIRD-PARTY-LICENSES.txt: every package the bundle holds, found from esbuild's list of the
// files it read, with its license text, and Node.js's own (the executable is a Node.js binary).
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Metafile } from 'esbuild';
import { ROOT } from './root.js';

const LICENSE_FILE = /^(licen[cs]e|copying)(\.(md|txt|markdown))?$/i;

/** node_modules/a/node_modules/@s/b/lib/x.js -> node_modules/a/node_modules/@s/b */
export function packageDirOf(input: string): string | null {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return null;
  const scoped = parts[at + 1]!.startsWith('@');
  return parts.slice(0, at + (scoped ? 3 : 2)).join('/');
}

async function licenseText(dir: string): Promise<string | null> {
  const name = (await readdir(dir)).find((n) => LICENSE_FILE.test(n));
  return name ? (await readFile(path.join(dir, name), 'utf8')).trim() : null;
}

export async function thirdPartyLicenses(metafile: Metafile, nodeBinaryPath: string): Promise<string> {
  const dirs = [...new Set(Object.keys(metafile.inputs).map(packageDirOf).filter((d): d is string => d !== null))];
  const sections: string[] = [];
  const seen = new Set<string>();
  for (const dir of dirs.sort()) {
    const abs = path.join(ROOT, dir);
    const manifest = path.join(abs, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(await readFile(manifest, 'utf8')) as { name?: string; version?: string; license?: string };
    // A package's folders with their own package.json (type markers) are the same package.
    const id = `${pkg.name}@${pkg.version}`;
    if (!pkg.name || seen.has(id)) continue;
    seen.add(id);
    const text = await licenseText(abs);
    sections.push(`${id} (${pkg.license ?? 'license not stated'})\n\n${text ?? `No license file in the package; its package.json states: ${pkg.license ?? 'nothing'}.`}`);
  }
  // node-<platform>/package/bin/node -> node-<platform>/package/LICENSE
  const nodeLicense = await readFile(path.join(path.dirname(nodeBinaryPath), '..', 'LICENSE'), 'utf8');
  const rule = `\n\n${'-'.repeat(78)}\n\n`;
  return [
    "clearnox-sync's executable is a Node.js binary with the program and the packages below inside it.",
    `Node.js\n\n${nodeLicense.trim()}`,
    ...sections,
  ].join(rule) + '\n';
}
