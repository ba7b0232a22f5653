// The Windows behaviour of the program as case tables, run twice: by vitest on Linux with the
// platform faked (as the unit tests always did), and by test/windows/runner.ts under the real
// Windows node.exe (Wine), where path is path.win32, process.platform is win32 and the file
// system is Windows'. A case returns what the code gave; `expected` says what it must be.
// No vitest here: the runner is bundled on its own.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';
import { localAdapter } from '../../adapters/documents/local.js';
import { mappedDriveWarning, rootProblem } from '../../adapters/documents/local-root.js';
import { sftpAdapter } from '../../adapters/documents/sftp/store.js';
import { smbAdapter } from '../../adapters/documents/smb/store.js';
import { storeSegments } from '../../adapters/documents/store-path.js';
import { AdapterConfigError, type DocumentStore } from '../../adapters/types.js';
import { createLogger, silentLogger, type Logger } from '../../src/log.js';
import { parseReferences, resolveReferences } from '../../src/mapping/references.js';
import { FileNamer } from '../../src/pipeline/file-names.js';
import { packArchive } from '../../src/pipeline/pack.js';
import { writeReport, type RunReport } from '../../src/pipeline/report.js';
import { RunBusyError, RunState } from '../../src/pipeline/run-state.js';
import type { Expected } from './compare.js';

export interface PathContext {
  /** 'win32': faked in vitest, process.platform itself under Wine. */
  platform: NodeJS.Platform;
  /** Whether the platform is faked: code taking a platform argument is then given it. */
  faked: boolean;
}

export interface PathCase {
  name: string;
  /** The module under test: each unit test file runs its own cases with the platform faked. */
  of: 'local-root' | 'references' | 'store-path' | 'file-names';
  run(ctx: PathContext): unknown;
  expected: Expected;
}

/** Cases of the code that decides by the platform without touching files. */
export const pathCases: PathCase[] = [
  {
    name: 'rootProblem: a UNC root and a drive-letter root can be tried on Windows',
    of: 'local-root',
    run: ({ platform }) => [rootProblem('\\\\FILESRV\\Factures', platform), rootProblem('//FILESRV/Factures', platform), rootProblem('Z:\\Factures', platform)],
    expected: [null, null, null],
  },
  {
    name: 'mappedDriveWarning: a mapped drive gets a Task Scheduler warning with the UNC path to use',
    of: 'local-root',
    run: ({ platform }) => mappedDriveWarning('Z:\\Factures\\2024', '\\\\FILESRV\\Factures\\2024', platform),
    expected: /^documents\.root uses the drive Z:, which is the network share \\\\FILESRV\\Factures\\2024: write root: \\\\FILESRV\\Factures\\2024 instead, since a task run by Task Scheduler .* does not see the mapped drives of the user's session\.$/,
  },
  {
    name: 'mappedDriveWarning: a lower-case drive with slashes resolved to a \\\\?\\UNC\\ path',
    of: 'local-root',
    run: ({ platform }) => mappedDriveWarning('z:/Factures', '\\\\?\\UNC\\FILESRV\\Factures', platform),
    expected: /drive Z:, which is the network share \\\\FILESRV\\Factures: write root: \\\\FILESRV\\Factures instead/,
  },
  {
    name: 'mappedDriveWarning: another drive letter gets the softer warning',
    of: 'local-root',
    run: ({ platform }) => mappedDriveWarning('D:\\Factures', 'D:\\Factures', platform),
    expected: /^documents\.root uses the drive D:\. If D: is a mapped network drive, write the share's UNC path \(\\\\server\\share\\folder\) instead, since a task run by Task Scheduler .*session\.$/,
  },
  {
    name: 'mappedDriveWarning: none for the system drive, whatever its case, nor for a UNC root',
    of: 'local-root',
    run: ({ platform }) => [
      mappedDriveWarning('C:\\Factures', 'C:\\Factures', platform),
      mappedDriveWarning('c:\\Factures', 'C:\\Factures', platform, 'c:'),
      mappedDriveWarning('\\\\FILESRV\\Factures', '\\\\FILESRV\\Factures', platform),
    ],
    expected: [null, null, null],
  },
  {
    name: 'references: ${file:} keeps a drive-letter path whole, backslashes and colon included',
    of: 'references',
    run: () => parseReferences('${file:C:\\secrets\\x.txt}'),
    expected: [{ kind: 'file', target: 'C:\\secrets\\x.txt', raw: '${file:C:\\secrets\\x.txt}' }],
  },
  {
    name: 'references: an environment variable is found whatever the case of its name',
    of: 'references',
    run: async ({ faked }) => {
      const out = await resolveReferences({ a: '${env:clearnox_id}' }, { baseDir: '.', env: { CLEARNOX_ID: 'x1' }, platform: faked ? 'win32' : undefined });
      return [out.value, out.problems];
    },
    expected: [{ a: 'x1' }, []],
  },
  {
    name: 'store paths: Windows spellings from the database are split on \\ and /, never leave the root',
    of: 'store-path',
    run: () =>
      ['2024\\FA-1.pdf', '2024/FA-1.pdf', '.\\2024\\\\FA-1.pdf', 'C:\\x.pdf', 'c:x.pdf', '\\\\srv\\s\\x.pdf', '\\x.pdf', '2024\\..\\..\\x.pdf', 'FA-1.pdf:stream', '..FA.pdf'].map((p) => {
        try {
          return storeSegments(p);
        } catch (e) {
          return (e as { kind?: string }).kind;
        }
      }),
    expected: [['2024', 'FA-1.pdf'], ['2024', 'FA-1.pdf'], ['2024', 'FA-1.pdf'], 'outside_root', 'outside_root', 'outside_root', 'outside_root', 'outside_root', 'outside_root', ['..FA.pdf']],
  },
  {
    name: 'archive file names: no folder, no character Windows refuses, unique whatever the case',
    of: 'file-names',
    run: () => {
      const namer = new FileNamer();
      return ['FA\\2024/001', 'A:B*C?', 'fa_2024_001', 'Fâcture 7 ', '..\\..\\x'].map((n) => namer.next(n));
    },
    expected: ['FA_2024_001.pdf', 'A_B_C_.pdf', 'fa_2024_001_2.pdf', 'Fâcture 7.pdf', '_._x.pdf'],
  },
];

/**
 * The folder both runs work in, laid by fixture.ts from Linux (links cannot be made by node.exe
 * under Wine) and named in the platform's own form: C:\... under Wine, /tmp/... on Linux.
 */
export interface Fixture {
  base: string;
  /** Windows only: \\FILESRV\Factures, a share (Wine maps it to base\share). */
  share?: string;
  /** Windows only: a second drive letter, leading to base\disk-d. */
  drive?: string;
  /** Windows only: base as Wine's Z: drive (the whole Linux tree) shows it. */
  onZ?: string;
  /**
   * Windows only: the test SFTP server (test/services/sshd.ts) and a folder on it holding
   * 2024/FA-1.pdf; the account's key is at base\mappings\keys\id.
   */
  sftp?: { host: string; port: number; username: string; password: string; hostKeyFingerprint: string; root: string };
}

export interface FileSystemContext {
  fixture: Fixture;
  /**
   * Runs another process of the platform that takes the run lock of `mapping` in `stateDir` and
   * ends without releasing it, as a task that Task Scheduler stops does.
   */
  killedRun(stateDir: string, mapping: string): Promise<void>;
}

export interface FileSystemCase {
  name: string;
  /** Set when the case only makes sense on Windows (drive letters, UNC): why. */
  windowsOnly?: string;
  run(ctx: FileSystemContext): Promise<unknown>;
  expected: Expected;
  /** What Linux gives when it differs from Windows. */
  expectedOnLinux?: Expected;
  /** What Wine gives where it is not Windows, and why (see win32-under-wine.test.ts). */
  underWine?: { expected: Expected; why: string };
}

const SECRET = 's3cr3t-from-file';

/** The fixture's files, laid from Linux: `link` makes a symbolic link. */
export const FIXTURE_FILES: { path: string; content?: string | Uint8Array; link?: string }[] = [
  // As Windows PowerShell 5 writes `"..." > file` (and Notepad saves as "Unicode"): UTF-16 LE, BOM, CRLF.
  { path: 'secrets/powershell.txt', content: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('pw-from-powershell\r\n', 'utf16le')]) },
  { path: 'secrets/ansi.txt', content: Buffer.from('mot-de-passe-\xe9t\xe9\r\n', 'latin1') },
  { path: 'secrets/utf16be.txt', content: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('pw-big-endian\r\n', 'utf16le').swap16()]) },
  { path: 'store/2024/FA-1.pdf', content: '%PDF-1.4\n% FA-1\n' },
  { path: 'store/2024/Facture n°5 été.pdf', content: '%PDF-1.4\n% FA-5\n' },
  { path: 'store/2024/..FA-3.pdf', content: '%PDF-1.4\n% FA-3\n' },
  { path: 'store/..FA-4.pdf', content: '%PDF-1.4\n% FA-4\n' },
  { path: 'store/2024/to-outside.pdf', link: '../../outside/secret.pdf' },
  { path: 'store/2024/outside-folder', link: '../../outside' },
  { path: 'store/2024/inside.pdf', link: 'FA-1.pdf' },
  { path: 'outside/secret.pdf', content: '%PDF-1.4\n% not in the store\n' },
  { path: 'mappings/acme.yaml', content: 'version: 1\n' },
  { path: 'mappings/client-secret.txt', content: `\uFEFF${SECRET}\r\n` },
  { path: 'secrets/db.txt', content: 'db-pw-1\r\n' },
  { path: 'share/2024/FA-1.pdf', content: '%PDF-1.4\n% FA-1 on the share\n' },
  { path: 'share/secret.txt', content: 'share-secret\n' },
  { path: 'disk-d/Factures/FA-2.pdf', content: '%PDF-1.4\n% FA-2\n' },
];

function recorder(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (o: object | string, msg?: string) => void warnings.push(typeof o === 'string' ? o : (msg ?? '')) } as Logger;
  return { log, warnings };
}

async function readAll(store: DocumentStore, p: string): Promise<string> {
  try {
    const chunks: Buffer[] = [];
    for await (const c of await store.open(p)) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').split('\n')[1] ?? '';
  } catch (e) {
    return `${(e as { kind?: string }).kind ?? (e as Error).message}`;
  }
}

async function openStore(root: string, baseDir: string): Promise<{ store?: DocumentStore; warnings: string[]; error?: string }> {
  const { log, warnings } = recorder();
  try {
    return { store: await localAdapter.open({ root }, { baseDir, log }), warnings };
  } catch (e) {
    return { warnings, error: (e as Error).message };
  }
}

function zipNames(file: string): Promise<{ name: string; utf8: boolean }[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: false }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: { name: string; utf8: boolean }[] = [];
      zip.on('entry', (e: yauzl.Entry) => out.push({ name: e.fileName, utf8: (e.generalPurposeBitFlag & 0x800) !== 0 }));
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
    });
  });
}

const join = (...parts: string[]) => path.join(...parts);

/** Cases that read and write real files: the Windows file system under Wine. */
export const fileSystemCases: FileSystemCase[] = [
  {
    name: 'references: ${file:} with an absolute path, a BOM and a CRLF read away',
    run: async ({ fixture }) => {
      const file = join(fixture.base, 'mappings', 'client-secret.txt');
      const out = await resolveReferences({ s: `\${file:${file}}` }, { baseDir: join(fixture.base, 'elsewhere'), env: {} });
      return out.value;
    },
    expected: { s: SECRET },
  },
  {
    name: 'references: ${file:} written by Windows PowerShell (UTF-16 with a BOM) is read as text, one in ANSI refused',
    run: async ({ fixture }) => {
      const tree = { a: `\${file:${join(fixture.base, 'secrets', 'powershell.txt')}}`, b: `\${file:${join(fixture.base, 'secrets', 'utf16be.txt')}}`, c: '${file:..\\secrets\\ansi.txt}'.replaceAll('\\', path.sep) };
      const out = await resolveReferences(tree, { baseDir: join(fixture.base, 'mappings'), env: {} });
      return [out.value, out.problems.map((p) => p.message)];
    },
    // One in ANSI (Windows-1252) is refused, saying how to save it, rather than read as another secret.
    expected: [
      { a: 'pw-from-powershell', b: 'pw-big-endian', c: /^\$\{file:\.\.[\\/]secrets[\\/]ansi\.txt\}$/ },
      [/^the file .*ansi\.txt named by \$\{file:.*\} is not saved as UTF-8 .*Encoding: UTF-8$/],
    ],
  },
  {
    name: 'references: ${file:} relative to the mapping file\'s folder, also climbing with ..\\',
    run: async ({ fixture }) => {
      const baseDir = path.dirname(join(fixture.base, 'mappings', 'acme.yaml'));
      const out = await resolveReferences({ a: '${file:client-secret.txt}', b: `\${file:..${path.sep}secrets${path.sep}db.txt}` }, { baseDir, env: {} });
      return out.value;
    },
    expected: { a: SECRET, b: 'db-pw-1' },
  },
  {
    name: 'references: ${file:} as c:/ with slashes, as a UNC path, and a missing one told with its full Windows path',
    windowsOnly: 'drive letters and \\\\server\\share exist only on Windows',
    run: async ({ fixture }) => {
      const slashed = join(fixture.base, 'secrets', 'db.txt').replace(/^C:/, 'c:').replace(/\\/g, '/');
      const tree = { a: `\${file:${slashed}}`, b: `\${file:${fixture.share}\\secret.txt}`, c: '${file:..\\secrets\\nothing.txt}' };
      const out = await resolveReferences(tree, { baseDir: join(fixture.base, 'mappings'), env: {} });
      return [out.value, out.problems.map((p) => p.message)];
    },
    expected: [
      { a: 'db-pw-1', b: 'share-secret', c: '${file:..\\secrets\\nothing.txt}' },
      [/^cannot read the file [A-Z]:\\.*\\secrets\\nothing\.txt named by \$\{file:\.\.\\secrets\\nothing\.txt\}: no such file/],
    ],
  },
  {
    name: 'local store: a relative root is resolved against the mapping file\'s folder; \\ and / both read',
    run: async ({ fixture }) => {
      const { store, error } = await openStore(`..${path.sep}store`, join(fixture.base, 'mappings'));
      if (!store) return error;
      return [store.description === join(fixture.base, 'store'), await readAll(store, '2024\\FA-1.pdf'), await readAll(store, '2024/FA-1.pdf'), await readAll(store, '2024\\Facture n°5 été.pdf')];
    },
    expected: [true, '% FA-1', '% FA-1', '% FA-5'],
  },
  {
    name: 'local store: no way out of the root, by .., an absolute path or a link; a link inside is read',
    run: async ({ fixture }) => {
      const { store, error } = await openStore(join(fixture.base, 'store'), fixture.base);
      if (!store) return error;
      const tries = ['..\\outside\\secret.pdf', '2024/../../outside/secret.pdf', join(fixture.base, 'outside', 'secret.pdf'), '2024/to-outside.pdf', '2024/outside-folder/secret.pdf', '2024/inside.pdf', '2024/..FA-3.pdf', '..FA-4.pdf'];
      return Promise.all(tries.map((p) => readAll(store, p)));
    },
    // A name starting with two dots is a name, not a way up.
    expected: ['outside_root', 'outside_root', 'outside_root', 'outside_root', 'outside_root', '% FA-1', '% FA-3', '% FA-4'],
  },
  {
    name: 'local store: dots and spaces Windows trims from a name do not climb out',
    run: async ({ fixture }) => {
      const { store, error } = await openStore(join(fixture.base, 'store'), fixture.base);
      if (!store) return error;
      return Promise.all(['2024/.. /.. /outside/secret.pdf', '2024\\..\u0020\\...\\..\\outside\\secret.pdf', '2024/. /FA-1.pdf'].map((p) => readAll(store, p)));
    },
    // Refused either way: as a name that does not exist, or by realpath once Windows trimmed it.
    expected: [/^(outside_root|not_found)$/, /^(outside_root|not_found)$/, /^(% FA-1|not_found)$/],
  },
  {
    name: 'references: ${file:} naming a device (NUL, CON) is refused, not read',
    windowsOnly: 'device names in any folder exist only on Windows',
    run: async ({ fixture }) => {
      const out = await resolveReferences({ a: '${file:NUL}', b: '${file:..\\secrets\\CON}' }, { baseDir: join(fixture.base, 'mappings'), env: {} });
      return out.problems.map((p) => p.message);
    },
    // Windows opens the device, which is then refused as no regular file; Wine has no device
    // behind such a name in a folder, hence "no such file". Either way nothing is read.
    expected: [/named by \$\{file:NUL\}: (it is not a regular file|no such file)/, /named by \$\{file:\.\.\\secrets\\CON\}: (it is not a regular file|no such file)/],
  },
  {
    name: 'local store: a root on Wine\'s Z: drive (fs.realpath of Z:) reads inside and refuses a link out',
    windowsOnly: 'drive letters exist only on Windows',
    run: async ({ fixture }) => {
      const { store, warnings, error } = await openStore(`${fixture.onZ}\\store`, fixture.base);
      if (!store) return error;
      return [/^[A-Z]:\\/.test(store.description), await readAll(store, '2024\\FA-1.pdf'), await readAll(store, '2024\\to-outside.pdf'), warnings];
    },
    // Z: is not the system drive: the softer mapped-drive warning is right.
    expected: [true, '% FA-1', 'outside_root', [/^documents\.root uses the drive Z:\. If Z: is a mapped network drive/]],
  },
  {
    name: 'local store: a root with a lower-case drive letter or as \\\\?\\C:\\ reads inside and refuses a link out',
    windowsOnly: 'drive letters exist only on Windows',
    run: async ({ fixture }) => {
      const out: unknown[] = [];
      for (const root of [join(fixture.base, 'store').replace(/^C:/, 'c:'), `\\\\?\\${join(fixture.base, 'store')}`]) {
        const { store, warnings, error } = await openStore(root, fixture.base);
        out.push(store ? [await readAll(store, '2024\\FA-1.pdf'), await readAll(store, '2024\\to-outside.pdf'), warnings] : error);
      }
      return out;
    },
    expected: [['% FA-1', 'outside_root', []], ['% FA-1', 'outside_root', []]],
  },
  {
    name: 'references: ${env:} over the process environment, whose names ignore case on Windows',
    windowsOnly: 'the variables are those Windows sets',
    run: async () => {
      const out = await resolveReferences({ a: '${env:systemdrive}', b: '${env:SystemRoot}' }, { baseDir: '.', env: process.env });
      return [out.value, out.problems];
    },
    expected: [{ a: /^[A-Z]:$/, b: /^[A-Z]:\\windows$/i }, []],
  },
  {
    name: 'local store: file names ignore case on Windows',
    run: async ({ fixture }) => {
      const { store, error } = await openStore(join(fixture.base, 'store'), fixture.base);
      if (!store) return error;
      return readAll(store, '2024\\fa-1.PDF');
    },
    expected: '% FA-1',
    expectedOnLinux: 'not_found',
  },
  {
    name: 'local store: a UNC root is read, with no mapped-drive warning',
    windowsOnly: 'UNC paths exist only on Windows',
    run: async ({ fixture }) => {
      const { store, warnings, error } = await openStore(`${fixture.share}\\2024`, fixture.base);
      if (!store) return error;
      return [await readAll(store, 'FA-1.pdf'), warnings];
    },
    expected: ['% FA-1 on the share', []],
  },
  {
    name: 'local store: a root on another drive letter is read, with the mapped-drive warning; the system drive none',
    windowsOnly: 'drive letters exist only on Windows',
    run: async ({ fixture }) => {
      const d = await openStore(`${fixture.drive}\\Factures`, fixture.base);
      const c = await openStore(join(fixture.base, 'store'), fixture.base);
      return [d.error ?? (await readAll(d.store!, 'FA-2.pdf')), d.warnings, c.warnings];
    },
    expected: ['% FA-2', [/^documents\.root uses the drive [D-Y]:\. If [D-Y]: is a mapped network drive, write the share's UNC path .* instead, since a task run by Task Scheduler/], []],
  },
  {
    name: 'local store: a missing drive-letter root is refused (exit 2) with the mapped-drive advice',
    windowsOnly: 'drive letters exist only on Windows',
    run: async ({ fixture }) => (await openStore('Q:\\Factures', fixture.base)).error,
    expected: /^documents\.root: the folder Q:\\Factures does not exist or cannot be read by this account\. documents\.root uses the drive Q:\. If Q: is a mapped network drive/,
  },
  {
    name: 'smb store on Windows: the share is read through Windows by its UNC path; username and password are not used',
    windowsOnly: 'only Windows reads a share itself',
    run: async ({ fixture }) => {
      const { log, warnings } = recorder();
      const store = await smbAdapter.open({ root: `${fixture.share}\\2024`, username: 'erp', password: 'pw', port: 445, transfers: 2, timeoutSeconds: 30 } as never, { baseDir: fixture.base, log });
      return [await readAll(store, 'FA-1.pdf'), warnings];
    },
    expected: ['% FA-1 on the share', [/^documents\.username and documents\.password are not used on Windows/]],
  },
  {
    name: 'sftp store on Windows: password login, and a key file given relative to the mapping file\'s folder',
    windowsOnly: 'ssh2 on Windows; sftp.test.ts runs the same on Linux',
    run: async ({ fixture }) => {
      const { password, ...server } = fixture.sftp!;
      const out: unknown[] = [];
      for (const auth of [{ password }, { privateKeyFile: 'keys\\id' }]) {
        const store = await sftpAdapter.open(sftpAdapter.optionsSchema.parse({ ...server, ...auth }), { baseDir: join(fixture.base, 'mappings'), log: silentLogger });
        try {
          out.push(await readAll(store, '2024\\FA-1.pdf'));
        } finally {
          await store.close();
        }
      }
      return out;
    },
    expected: ['% FA-1 over SFTP', '% FA-1 over SFTP'],
  },
  {
    name: 'sftp store on Windows: agent: true without an agent running names the OpenSSH agent pipe, nothing sent',
    windowsOnly: 'the OpenSSH agent of Windows is a named pipe',
    run: async ({ fixture }) => {
      const { password: _unused, ...server } = fixture.sftp!;
      const e = await sftpAdapter
        .open(sftpAdapter.optionsSchema.parse({ ...server, agent: true }), { baseDir: fixture.base, log: silentLogger })
        .then((st) => st.close().then(() => 'opened'), (x: unknown) => [x instanceof AdapterConfigError, (x as Error).message]);
      return e;
    },
    // Told as a setting to change (exit 2), not as a server out of reach that the next run retries.
    expected: [true, /^documents\.agent: no SSH agent answers at \\\\\.\\pipe\\openssh-ssh-agent, so no login was tried\. .*Start-Service ssh-agent.*privateKeyFile/],
  },
  {
    name: 'archive: entry names as the namer gave them, UTF-8 flagged, whatever the platform\'s separator',
    run: async ({ fixture }) => {
      const { store } = await openStore(join(fixture.base, 'store'), fixture.base);
      const namer = new FileNamer();
      const items = ['FA\\2024\\001', 'Fâcture 7'].map((n, i) => ({ key: `k${i}`, documentNumber: n, fileName: namer.next(n), path: '2024\\FA-1.pdf'.replace(/\\/g, path.sep === '\\' ? '\\' : '/'), size: 16, entryIds: [`e${i}`] }));
      const file = join(fixture.base, 'archive.zip');
      const packed = await packArchive(items, store!, { file, maxDocumentBytes: 1024 });
      return [packed.skipped.length, await zipNames(file)];
    },
    expected: [0, [{ name: 'FA_2024_001.pdf', utf8: false }, { name: 'Fâcture 7.pdf', utf8: true }, { name: 'metadata.json', utf8: false }]],
  },
  {
    name: 'state: the mapping file named in another case is the same on Windows, and its kept archive still the one to send again',
    run: async ({ fixture }) => {
      const stateDir = join(fixture.base, 'state');
      const mapping = join(fixture.base, 'mappings', 'acme.yaml');
      const first = await RunState.open(stateDir, mapping, silentLogger);
      const work = await first.makeWorkFolder();
      await writeFile(join(work, 'a.zip'), 'zip 1');
      await first.sending({ idempotencyKey: 'k1', runId: 'r1', sentAt: new Date(0).toISOString(), entryIds: ['e1'], archive: join(work, 'a.zip') });
      await first.keepArchive('k1');
      await first.close();
      // The task's command line written again with another case: on Windows, the same files.
      const upper = join(fixture.base, 'MAPPINGS', 'ACME.yaml');
      const { log, warnings } = recorder();
      return RunState.open(stateDir, upper, log).then(
        async (s) => {
          const kept = s.pending.map((p) => p.archive && readFile(p.archive, 'utf8'));
          await s.close();
          return [await Promise.all(kept), warnings];
        },
        (e: Error) => e.message,
      );
    },
    // The kept archive is still the one to send again.
    expected: [['zip 1'], []],
    // Another file name on Linux, hence a state file of its own.
    expectedOnLinux: [[], []],
  },
  {
    name: 'local store: the folder walk lists files with / between folders and follows no link',
    run: async ({ fixture }) => {
      const { store, error } = await openStore(join(fixture.base, 'store'), fixture.base);
      if (!store) return error;
      const listed: string[] = [];
      for await (const f of store.list!('')) listed.push(f.path);
      return [listed.sort(), await readAll(store, '2024/outside-folder/secret.pdf')];
    },
    expected: [['..FA-4.pdf', '2024/..FA-3.pdf', '2024/FA-1.pdf', '2024/Facture n°5 été.pdf'], 'outside_root'],
    underWine: {
      expected: [['..FA-4.pdf', '2024/..FA-3.pdf', '2024/FA-1.pdf', '2024/Facture n°5 été.pdf', '2024/inside.pdf', '2024/to-outside.pdf'], 'outside_root'],
      why: 'Wine shows a Linux link to a file as that file (no reparse point), so the walk lists it; reading what lies outside is still refused',
    },
  },
  {
    name: 'run lock: a second run of the same mapping file is refused; the lock of a stopped run is taken over',
    run: async ({ fixture, killedRun }) => {
      const stateDir = join(fixture.base, 'state-lock');
      const mapping = join(fixture.base, 'mappings', 'acme.yaml');
      const held = await RunState.open(stateDir, mapping, silentLogger);
      const second = await RunState.open(stateDir, mapping, silentLogger).then(
        (s) => s.close().then(() => 'opened'),
        (e: unknown) => (e instanceof RunBusyError ? 'busy' : String(e)),
      );
      await held.close();
      await killedRun(stateDir, mapping);
      const { log, warnings } = recorder();
      const after = await RunState.open(stateDir, mapping, log).then(
        (s) => s.close().then(() => 'opened'),
        (e: unknown) => (e as Error).message,
      );
      return [second, after, warnings];
    },
    expected: ['busy', 'opened', [/stopped without releasing its lock; taking it over/]],
  },
  {
    name: 'report: written, then replaced by the next run, in a folder made for it',
    run: async ({ fixture }) => {
      const file = join(fixture.base, 'reports', 'run.json');
      await writeReport(file, { runId: 'r1' } as unknown as RunReport);
      await writeReport(file, { runId: 'r2' } as unknown as RunReport);
      return JSON.parse(await readFile(file, 'utf8')).runId;
    },
    expected: 'r2',
  },
  {
    name: 'log file: created, then appended to by the next run',
    run: async ({ fixture }) => {
      const file = join(fixture.base, 'logs', 'run.log');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, '{"msg":"before"}\n');
      createLogger({ file, console: false }).info('hello');
      return (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l).msg);
    },
    expected: ['before', 'hello'],
  },
];
