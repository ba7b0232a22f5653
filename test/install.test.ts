import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installRoot, invocation, isExecutable, version, versionText } from '../src/install.js';
import { cli } from './helpers/cli.js';

const ROOT = path.resolve(import.meta.dirname, '..');

// The executables' side is tested by running them (test/package/).
describe('what the npm install says of itself', () => {
  it('finds the repository, its version and says it is run by Node, not the executable', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(isExecutable()).toBe(false);
    expect(installRoot()).toBe(ROOT);
    expect(version()).toBe(pkg.version);
    expect(versionText()).toBe(`clearnox-sync ${pkg.version} (Node.js ${process.version}, ${process.platform}-${process.arch}, run by ${process.execPath})`);
    expect(invocation()).toBe('node dist/src/cli/main.js');
  });

  it('prints it for --version from the compiled program', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(versionText());
  });
});
