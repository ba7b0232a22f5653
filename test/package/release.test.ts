// What `npm run package` hands to an integrator: per platform, a folder and a zip holding one
// executable, mappings/, the README, the licenses and the SHA-256 of every file.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { version } from '../../src/install.js';
import { nodeBinary } from '../../scripts/node-binary.js';
import { filesUnder, readmeText } from '../../scripts/package.js';
import { peSignatureSize } from '../../scripts/pe-signature.js';
import { windowsVersionInfo } from '../../scripts/windows-resources.js';
import { releases } from '../helpers/executable.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VERSION = version();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');


/** Every file of a zip, by name, with its content's SHA-256 and its Unix mode. */
function zipContents(zip: string): Promise<Map<string, { sha256: string; mode: number }>> {
  return new Promise((resolve, reject) => {
    yauzl.open(zip, { lazyEntries: true }, (err, z) => {
      if (err || !z) return reject(err);
      const out = new Map<string, { sha256: string; mode: number }>();
      z.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return z.readEntry();
        z.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const hash = createHash('sha256');
          stream.on('data', (c: Buffer) => hash.update(c));
          stream.on('end', () => {
            out.set(entry.fileName, { sha256: hash.digest('hex'), mode: (entry.externalFileAttributes >>> 16) & 0o777 });
            z.readEntry();
          });
        });
      });
      z.on('end', () => resolve(out));
      z.on('error', reject);
      z.readEntry();
    });
  });
}

const templates = (await readdir(path.join(ROOT, 'mappings', 'templates'))).sort();

describe.each([
  ['linux', 'clearnox-sync', 'linux-x64', '\n'],
  ['windows', 'clearnox-sync.exe', 'win-x64', '\r\n'],
] as const)('the %s release', (key, exeName, target, eol) => {
  const release = () => releases()[key];

  it('is named for the version and holds the executable, mappings/, the README, the licenses and the checksums', async () => {
    expect(path.basename(release().folder)).toBe(`clearnox-sync-${VERSION}-${target}`);
    expect(await filesUnder(release().folder)).toEqual(
      [exeName, 'LICENSE.txt', 'README.txt', 'SHA256SUMS.txt', 'THIRD-PARTY-LICENSES.txt', 'mappings/mapping.schema.json', ...templates.map((t) => `mappings/templates/${t}`)].sort(),
    );
    expect((await stat(release().executable)).mode & 0o111).not.toBe(0);
  });

  it('gives the SHA-256 of every other file in SHA256SUMS.txt, in the form sha256sum -c reads', async () => {
    const lines = (await readFile(path.join(release().folder, 'SHA256SUMS.txt'), 'utf8')).trim().split('\n');
    const listed = new Map(lines.map((l) => [l.slice(66), l.slice(0, 64)]));
    const files = (await filesUnder(release().folder)).filter((f) => f !== 'SHA256SUMS.txt');
    expect([...listed.keys()].sort()).toEqual(files);
    for (const f of files) expect(listed.get(f), f).toBe(sha256(await readFile(path.join(release().folder, f))));
  });

  it('zips the same files, under one folder, the executable marked executable, with the zip checksum beside it', async () => {
    const contents = await zipContents(release().zip);
    const top = path.basename(release().folder);
    const files = await filesUnder(release().folder);
    expect([...contents.keys()].sort()).toEqual(files.map((f) => `${top}/${f}`));
    for (const f of files) expect(contents.get(`${top}/${f}`)?.sha256, f).toBe(sha256(await readFile(path.join(release().folder, f))));
    expect(contents.get(`${top}/${exeName}`)?.mode).toBe(0o755);
    const sum = await readFile(`${release().zip}.sha256`, 'utf8');
    expect(sum).toBe(`${sha256(await readFile(release().zip))}  ${path.basename(release().zip)}\n`);
  });

  it('carries the JSON Schema and the templates as the repository has them, the text files in the platform line endings', async () => {
    const plain = (t: string) => t.replace(/\r\n/g, '\n');
    const schema = await readFile(path.join(release().folder, 'mappings', 'mapping.schema.json'), 'utf8');
    expect(schema).toBe(await readFile(path.join(ROOT, 'mappings', 'mapping.schema.json'), 'utf8'));
    for (const t of templates) {
      const shipped = await readFile(path.join(release().folder, 'mappings', 'templates', t), 'utf8');
      expect(plain(shipped)).toBe(plain(await readFile(path.join(ROOT, 'mappings', 'templates', t), 'utf8')));
      expect(shipped.includes('\r\n')).toBe(eol === '\r\n');
    }
    const readme = await readFile(path.join(release().folder, 'README.txt'), 'utf8');
    const markdown = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    expect(markdown).toContain('<!-- generated: ');
    expect(plain(readme)).not.toContain('<!--');
    expect(plain(readme)).toBe(readmeText(markdown));
    expect(readme.split(eol).length).toBeGreaterThan(100);
  });

  it("lists Node.js and every bundled package with its license text, and no native add-on", async () => {
    const text = await readFile(path.join(release().folder, 'THIRD-PARTY-LICENSES.txt'), 'utf8');
    expect(text).toContain('Node.js is licensed for use as follows');
    for (const pkg of ['knex', 'pg', 'mysql2', 'tedious', 'mssql', 'ssh2', 'ssh2-sftp-client', 'archiver', 'yargs', 'zod', 'pino', 'undici', 'yaml', 'pdf-lib', 'nodemailer']) {
      const installed = (JSON.parse(await readFile(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
      expect(text, pkg).toContain(`${pkg}@${installed} (`);
    }
    expect(text).not.toContain('better-sqlite3@');
    expect(text).toMatch(/Permission is hereby granted/);
    expect(await readFile(path.join(release().folder, 'LICENSE.txt'), 'utf8')).toMatch(/clearnox-sync/);
  });
});

describe('the Windows executable file', () => {
  it('says it is clearnox-sync and its version (Task Manager, Properties), not Node.js', async () => {
    const info = await windowsVersionInfo(releases().windows.executable);
    expect(info).toMatchObject({ ProductName: 'clearnox-sync', OriginalFilename: 'clearnox-sync.exe', ProductVersion: `${VERSION}.0` });
    expect(info['FileDescription']).toMatch(/^clearnox-sync/);
    expect(JSON.stringify(info)).not.toMatch(/Node\.js JavaScript Runtime/);
  });

  it("carries no signature: Node.js's, which injecting the program broke, is removed", () => {
    expect(peSignatureSize(nodeBinary('win-x64', 22))).toBeGreaterThan(0);
    expect(peSignatureSize(releases().windows.executable)).toBe(0);
  });
});
