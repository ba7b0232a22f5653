// The Windows cases of cases.ts run for real: runner.ts bundled and started by the Windows
// node.exe under Wine (test/services/wine.ts), and the same file-system cases on this Linux
// machine, so that a case that only passes on one of them is seen.
//
// What Wine cannot show (Wine's, not the program's; the faked cases in cases.ts cover them):
// - a mapped network drive: Wine's realpath of a drive or \\server\share path is a drive path
//   (Y:\2024 for \\FILESRV\Factures\2024 when Y: leads there), never the \\server\share path
//   Windows gives for a mapped drive, so only the softer "If D: is a mapped network drive"
//   warning can happen here;
// - links: node.exe cannot create a symbolic link or a junction under Wine (ENOENT, ENOTSUP),
//   and a Linux link is shown as the file or folder it leads to (lstat says no link), so the
//   store's containment is checked through realpath only, as on Windows, and the folder walk
//   lists through such a link (the case's `underWine` says what Wine gives instead);
// - \\server\share is a local folder to Wine (dosdevices/unc): no SMB, no logon.
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clearSecrets } from '../../src/secrets.js';
import { fromWindowsPath, mapDrive, mapShare, runNodeUnderWine, toWindowsPath, wine } from '../helpers/wine.js';
import { fileSystemCases, type Fixture } from './cases.js';
import { difference } from './compare.js';
import { layFixture } from './fixture.js';
import type { RunnerOutput } from './runner.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

// ssh2's native speed-ups are left out, as in the executable (scripts/bundle.ts): it falls back to JavaScript.
function bundle(outFile: string): void {
  const args = ['test/windows/runner.ts', '--bundle', '--platform=node', '--format=cjs', '--target=node22', '--external:cpu-features', '--external:*.node', `--outfile=${outFile}`, '--log-level=warning'];
  const r = spawnSync(path.join(ROOT, 'node_modules/.bin/esbuild'), args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`esbuild could not bundle test/windows/runner.ts:\n${r.stderr}`);
}

describe('under the Windows node.exe (Wine)', () => {
  let work: string;
  let sftpRoot: string | undefined;
  let output: RunnerOutput;
  let stderr = '';

  beforeAll(async () => {
    // Under drive_c, so that the cases see C:\... paths, as on a customer's server.
    work = await mkdtemp(path.join(wine().prefix, 'drive_c', 'cnx-cases-'));
    const base = path.join(work, 'fixture');
    await layFixture(base);
    mapShare('FILESRV', 'Factures', path.join(base, 'share'));
    mapDrive('D', path.join(base, 'disk-d'));
    // A folder of the test SFTP server, and the account's key beside the mapping file.
    const server = inject('sshd');
    sftpRoot = path.join(server.storeDir, `wine-${path.basename(work)}`);
    await mkdir(path.join(sftpRoot, '2024'), { recursive: true });
    await chmod(sftpRoot, 0o755);
    await chmod(path.join(sftpRoot, '2024'), 0o755);
    await writeFile(path.join(sftpRoot, '2024', 'FA-1.pdf'), '%PDF-1.4\n% FA-1 over SFTP\n', { mode: 0o644 });
    await mkdir(path.join(base, 'mappings', 'keys'), { recursive: true });
    await copyFile(server.keyFile, path.join(base, 'mappings', 'keys', 'id'));
    const fixture: Fixture = {
      base: toWindowsPath(base),
      share: '\\\\FILESRV\\Factures',
      drive: 'D:',
      onZ: `Z:${base.replaceAll('/', '\\')}`,
      sftp: { host: server.host, port: server.port, username: server.username, password: server.password, hostKeyFingerprint: server.hostFingerprint, root: sftpRoot },
    };
    const runner = path.join(work, 'runner.cjs');
    bundle(runner);
    await writeFile(path.join(work, 'fixture.json'), JSON.stringify(fixture));
    const results = path.join(work, 'results.json');
    const run = await runNodeUnderWine([toWindowsPath(runner), toWindowsPath(path.join(work, 'fixture.json')), toWindowsPath(results)], { cwd: work, timeoutMs: 90_000 });
    stderr = run.stderr;
    if (run.status !== 0) throw new Error(`the runner under Wine ended with ${run.timedOut ? 'a timeout' : `exit ${run.status}`}:\n${run.stdout}\n${run.stderr}`);
    output = JSON.parse(await readFile(results, 'utf8')) as RunnerOutput;
  }, 180_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
    if (sftpRoot) await rm(sftpRoot, { recursive: true, force: true });
  });

  it('runs on a real win32: path is path.win32, Node 22', () => {
    expect({ platform: output.platform, pathIsWin32: output.pathIsWin32, major: output.node.split('.')[0] }).toEqual({ platform: 'win32', pathIsWin32: true, major: 'v22' });
  });

  it('passes every case', () => {
    const failed = output.results.filter((r) => r.failure !== null).map((r) => `${r.name}\n    ${r.failure}`);
    expect(failed, stderr).toEqual([]);
    expect(output.results.length).toBeGreaterThan(10);
  });

  it('runs a program with its output in files, its exit code, and no variable of the test process', async () => {
    process.env.CNX_PARENT_ONLY = 'not for the child';
    try {
      const script = "console.log(JSON.stringify(Object.keys(process.env).map((k) => k.toUpperCase()))); console.error('to stderr'); process.exit(3)";
      const run = await runNodeUnderWine(['-e', script], { env: { GIVEN: 'yes' } });
      expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 3, stderr: 'to stderr' });
      const names = JSON.parse(run.stdout) as string[];
      expect(names).toContain('GIVEN');
      expect(names).not.toContain('CNX_PARENT_ONLY');
    } finally {
      delete process.env.CNX_PARENT_ONLY;
    }
  });

  it('stops a program that outlives its time', async () => {
    const run = await runNodeUnderWine(['-e', 'setInterval(() => {}, 1000)'], { timeoutMs: 3000 });
    expect({ status: run.status, timedOut: run.timedOut }).toEqual({ status: null, timedOut: true });
  });

  it('maps paths both ways as Wine does', () => {
    expect(toWindowsPath(path.join(wine().prefix, 'drive_c', 'x', 'y.txt'))).toBe('C:\\x\\y.txt');
    expect(toWindowsPath('/tmp/a b')).toBe('Z:\\tmp\\a b');
    expect(fromWindowsPath('c:\\x\\y.txt')).toBe(path.join(wine().prefix, 'drive_c', 'x', 'y.txt'));
    expect(fromWindowsPath('Z:\\tmp')).toBe('/tmp');
  });
});

describe('the same file-system cases on Linux', () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'cnx-cases-'));
    await layFixture(base);
  });
  afterAll(async () => {
    clearSecrets();
    await rm(base, { recursive: true, force: true });
  });

  // The compiled program (test/global-setup.ts builds dist/), in a process of its own.
  const killedRun = async (stateDir: string, mapping: string) => {
    const script = `
      const { RunState } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/pipeline/run-state.js'))});
      const { silentLogger } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/log.js'))});
      await RunState.open(process.argv[1], process.argv[2], silentLogger);
      process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, stateDir, mapping], { encoding: 'utf8' });
    if (r.signal !== 'SIGKILL') throw new Error(`the run to stop failed: ${r.stderr}`);
  };

  for (const c of fileSystemCases.filter((x) => !x.windowsOnly)) {
    it(c.name, async () => {
      const expected = 'expectedOnLinux' in c ? c.expectedOnLinux : c.expected;
      expect(difference(await c.run({ fixture: { base }, killedRun }), expected)).toBeNull();
    });
  }
});
