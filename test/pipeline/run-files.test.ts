// The files a run leaves: private to the task's account, never written through a planted link,
// removed by the next run when a killed one could not, and never a way to make a run send a file
// that is not its own.
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger, type Logger } from '../../src/log.js';
import { settleEarlierImports } from '../../src/pipeline/earlier-imports.js';
import { writeReport, type RunReport } from '../../src/pipeline/report.js';
import { RunState, type PendingImport, type RunStateOptions } from '../../src/pipeline/run-state.js';

let dir: string;
let opened: RunState[] = [];
const mapping = () => path.join(dir, 'acme.yaml');
const stateDir = () => path.join(dir, 'state');
const stateFile = () => path.join(stateDir(), 'acme.yaml.imports.json');
const archives = () => path.join(stateDir(), 'acme.yaml.archives');
const work = () => path.join(stateDir(), 'acme.yaml.work');
const pending = (name: string, extra: Partial<PendingImport> = {}): PendingImport => ({ idempotencyKey: `k-${name}`, runId: 'r1', sentAt: new Date().toISOString(), entryIds: [`ent_${name}`], ...extra });
const mode = async (p: string) => (await stat(p)).mode & 0o777;

function recordingLogger(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (o: object | string, msg?: string) => void warnings.push(typeof o === 'string' ? o : (msg ?? '')) } as Logger;
  return { log, warnings };
}

async function open(log: Logger = silentLogger, opts: RunStateOptions = {}): Promise<RunState> {
  const s = await RunState.open(stateDir(), mapping(), log, opts);
  opened.push(s);
  return s;
}

/** A file someone wants overwritten, and a link to it planted at `at`. */
async function plantLink(at: string): Promise<string> {
  const victim = path.join(dir, 'victim.txt');
  await writeFile(victim, 'precious');
  await mkdir(path.dirname(at), { recursive: true });
  await symlink(victim, at);
  return victim;
}

async function writeJournal(entries: PendingImport[]): Promise<void> {
  await mkdir(stateDir(), { recursive: true });
  await writeFile(stateFile(), JSON.stringify({ version: 1, pending: entries }));
}

const REPORT = { runId: 'r1', entries: [], counts: {} } as unknown as RunReport;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-files-'));
  opened = [];
});
afterEach(async () => {
  for (const s of opened) await s.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a link planted at a name the run writes is not followed', () => {
  it('at the state file written aside', async () => {
    const victim = await plantLink(`${stateFile()}.${process.pid}.tmp`);
    const s = await open();
    await s.sending({ ...pending('x'), archive: path.join(dir, 'a.zip') });
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect(JSON.parse(await readFile(stateFile(), 'utf8')).pending).toHaveLength(1);
  });

  it('at a kept archive', async () => {
    const victim = await plantLink(path.join(archives(), 'k-x.zip'));
    const s = await open();
    await writeFile(path.join(dir, 'a.zip'), 'zip 1');
    await s.sending({ ...pending('x'), archive: path.join(dir, 'a.zip') });
    await s.keepArchive('k-x');
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect((await lstat(path.join(archives(), 'k-x.zip'))).isFile()).toBe(true);
    expect(await readFile(path.join(archives(), 'k-x.zip'), 'utf8')).toBe('zip 1');
  });

  it('at the report written aside', async () => {
    const report = path.join(dir, 'reports', 'run.json');
    const victim = await plantLink(`${report}.${process.pid}.tmp`);
    await writeReport(report, REPORT);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect(JSON.parse(await readFile(report, 'utf8')).runId).toBe('r1');
  });

  it('at the log file: refused, saying so', async () => {
    const logFile = path.join(dir, 'logs', 'run.log');
    const victim = await plantLink(logFile);
    expect(() => createLogger({ file: logFile, console: false })).toThrow(/run\.log: the log file's name is a link, which is not followed/);
    expect(await readFile(victim, 'utf8')).toBe('precious');
  });
});

// Windows has no modes; there, what these files become is checked under Wine (test/windows/cases.ts).
describe.runIf(process.platform !== 'win32')('readable by the task account only', () => {
  it('state folder, state file, kept archives, work folder, report and log', async () => {
    const s = await open();
    const folder = await s.makeWorkFolder();
    await writeFile(path.join(folder, 'a.zip'), 'zip');
    await s.sending({ ...pending('x'), archive: path.join(folder, 'a.zip') });
    await s.keepArchive('k-x');
    expect(await mode(stateDir())).toBe(0o700);
    expect(await mode(stateFile())).toBe(0o600);
    expect(await mode(archives())).toBe(0o700);
    expect(await mode(path.join(archives(), 'k-x.zip'))).toBe(0o600);
    expect(await mode(work())).toBe(0o700);
    expect(await mode(folder)).toBe(0o700);

    const report = path.join(dir, 'reports', 'run.json');
    await writeReport(report, REPORT);
    expect(await mode(report)).toBe(0o600);
    expect(await mode(path.dirname(report))).toBe(0o700);
    const logFile = path.join(dir, 'run.log');
    createLogger({ file: logFile, console: false }).info('hello');
    expect(await mode(logFile)).toBe(0o600);
  });

  it('kept archives and a log file an older version left readable by others', async () => {
    // As the version before wrote them, with the default modes.
    await mkdir(archives(), { recursive: true, mode: 0o755 });
    await chmod(archives(), 0o755);
    await writeFile(path.join(archives(), 'k-x.zip'), 'zip 1', { mode: 0o644 });
    await writeJournal([pending('x', { archive: path.join(archives(), 'k-x.zip') })]);
    const s = await open();
    expect(s.pending[0]!.archive).toBe(path.join(archives(), 'k-x.zip'));
    expect(await mode(archives())).toBe(0o700);

    const logFile = path.join(dir, 'run.log');
    await writeFile(logFile, '{"msg":"before"}\n', { mode: 0o644 });
    await chmod(logFile, 0o644);
    createLogger({ file: logFile, console: false }).info('hello');
    expect(await mode(logFile)).toBe(0o600);
    expect(await readFile(logFile, 'utf8')).toMatch(/^\{"msg":"before"\}\n.*hello/s);
  });
});

describe('the state file', () => {
  it('sends again only archives in its own folder: any other path is refused with a warning', async () => {
    const outside = path.join(dir, 'outside.zip');
    await writeFile(outside, 'not yours');
    await mkdir(archives(), { recursive: true });
    await symlink(outside, path.join(archives(), 'k-link.zip'));
    await writeJournal([
      pending('etc', { archive: '/etc/passwd' }),
      pending('out', { archive: outside }),
      pending('up', { archive: path.join(archives(), '..', '..', 'outside.zip') }),
      pending('link', { archive: path.join(archives(), 'k-link.zip') }),
    ]);
    const { log, warnings } = recordingLogger();
    const s = await open(log);
    expect(s.pending.map((p) => p.archive)).toEqual([undefined, undefined, undefined, undefined]);
    expect(warnings.filter((w) => /is not a file this program kept in .*acme\.yaml\.archives: it is not sent/.test(w))).toHaveLength(4);
    expect(warnings.join('\n')).toContain('/etc/passwd');

    const sent: string[] = [];
    const api = {
      uploadArchive: async (file: string) => {
        sent.push(file);
        return { importId: 'imp_1' };
      },
      waitForImport: async () => {
        throw new Error('nothing to wait for');
      },
    };
    await settleEarlierImports(s, api as never, silentLogger, { timeoutMs: 1000 }).catch(() => undefined);
    expect(sent).toEqual([]);
    expect(await readFile(outside, 'utf8')).toBe('not yours');
  });
});

describe('the state file, with links in the folders it names', () => {
  const api = (sent: string[]) => ({
    uploadArchive: async (file: string) => {
      sent.push(file);
      return { importId: 'imp_1' };
    },
    waitForImport: async () => ({ id: 'imp_1', status: 'completed', documents: [] }),
    listMissingEntries: async () => [],
  });

  it('a link at the kept archives folder: nothing in the folder it points to is sent, moved or deleted', async () => {
    const docs = path.join(dir, 'documents');
    await mkdir(docs);
    await writeFile(path.join(docs, 'k-x.zip'), 'not yours');
    await writeFile(path.join(docs, 'k-y.zip'), 'not yours either');
    await mkdir(stateDir(), { recursive: true });
    await symlink(docs, archives());
    await writeJournal([
      pending('x', { archive: path.join(archives(), 'k-x.zip') }),
      // Its archive gone from the work folder, as if moved to the kept ones by a run killed meanwhile.
      pending('y', { archive: path.join(work(), 'run-AbC123', 'archive-0001.zip') }),
    ]);
    const { log, warnings } = recordingLogger();
    const s = await open(log);
    expect(s.pending.map((p) => p.archive)).toEqual([undefined, undefined]);
    expect(warnings.join('\n')).toMatch(/k-x\.zip as an archive to send again, which is not a file this program kept/);
    const sent: string[] = [];
    await settleEarlierImports(s, api(sent) as never, silentLogger, { timeoutMs: 1000 });
    expect(sent).toEqual([]);
    expect((await readdir(docs)).sort()).toEqual(['k-x.zip', 'k-y.zip']);
  });

  it('a link in the work folder: the file it leads to is neither moved nor sent', async () => {
    const docs = path.join(dir, 'documents');
    await mkdir(docs);
    await writeFile(path.join(docs, 'contract.pdf'), 'not yours');
    await mkdir(work(), { recursive: true });
    await symlink(docs, path.join(work(), 'run-AbC123'));
    await writeJournal([pending('x', { archive: path.join(work(), 'run-AbC123', 'contract.pdf') })]);
    const { log, warnings } = recordingLogger();
    const s = await open(log);
    expect(s.pending[0]!.archive).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/contract\.pdf as an archive to send again, which is not a file this program kept/);
    expect(await readFile(path.join(docs, 'contract.pdf'), 'utf8')).toBe('not yours');
    expect(await readdir(archives()).catch(() => [])).toEqual([]);
  });

  it('a kept archive named otherwise than the program names it (as Windows may spell a path in another case) is kept and sent', async () => {
    await mkdir(archives(), { recursive: true });
    await writeFile(path.join(archives(), 'k-x.zip'), 'zip 1');
    await writeJournal([pending('x', { archive: `${stateDir()}${path.sep}.${path.sep}acme.yaml.archives${path.sep}${path.sep}k-x.zip` })]);
    const s = await open();
    expect(s.pending[0]!.archive).toBe(path.join(archives(), 'k-x.zip'));
    expect(await readFile(path.join(archives(), 'k-x.zip'), 'utf8')).toBe('zip 1');
    const sent: string[] = [];
    await settleEarlierImports(s, api(sent) as never, silentLogger, { timeoutMs: 1000 });
    expect(sent).toEqual([path.join(archives(), 'k-x.zip')]);
  });
});

describe('what a killed run leaves', () => {
  it('is removed by the next run, which keeps the archive it was sending', async () => {
    // As `kill -9` during the upload of the first archive leaves it, the second packed ahead.
    const runFolder = path.join(work(), 'run-AbC123');
    await mkdir(runFolder, { recursive: true });
    await writeFile(path.join(runFolder, 'archive-0001.zip'), 'zip 1');
    await writeFile(path.join(runFolder, 'archive-0002.zip'), 'zip 2');
    await writeJournal([pending('x', { archive: path.join(runFolder, 'archive-0001.zip') })]);
    await writeFile(`${stateFile()}.99999.tmp`, '{"half": ');
    await mkdir(path.join(stateDir(), 'acme.yaml.lock.taking-Zz9'));
    await mkdir(archives(), { recursive: true });
    await writeFile(path.join(archives(), 'k-forgotten.zip'), 'old');

    const s = await open();
    const kept = path.join(archives(), 'k-x.zip');
    expect(s.pending).toEqual([pending('x', { sentAt: s.pending[0]!.sentAt, archive: kept })]);
    expect(await readFile(kept, 'utf8')).toBe('zip 1');
    expect(await readdir(archives())).toEqual(['k-x.zip']);
    expect((await readdir(stateDir())).sort()).toEqual(['acme.yaml.archives', 'acme.yaml.imports.json', 'acme.yaml.lock']);
    expect(JSON.parse(await readFile(stateFile(), 'utf8')).pending[0].archive).toBe(kept);
  });

  it('finds the archive it was sending where a next run killed while moving it left it', async () => {
    await writeJournal([pending('x', { archive: path.join(work(), 'run-AbC123', 'archive-0001.zip') })]);
    await mkdir(archives(), { recursive: true });
    await writeFile(path.join(archives(), 'k-x.zip'), 'zip 1');
    const s = await open();
    expect(s.pending[0]!.archive).toBe(path.join(archives(), 'k-x.zip'));
    expect(await readFile(path.join(archives(), 'k-x.zip'), 'utf8')).toBe('zip 1');
  });

  it('in upload.workDir too, in a folder of its mapping file that others sharing it do not touch', async () => {
    const shared = path.join(dir, 'work');
    const s = await open(silentLogger, { workDir: shared });
    const folder = await s.makeWorkFolder();
    await writeFile(path.join(folder, 'archive-0001.zip'), 'zip');
    // Another mapping file of the same name, with its own state folder.
    const other = await RunState.open(path.join(dir, 'elsewhere'), path.join(dir, 'b', 'acme.yaml'), silentLogger, { workDir: shared });
    opened.push(other);
    const otherFolder = await other.makeWorkFolder();
    expect(path.dirname(otherFolder)).not.toBe(path.dirname(folder));
    await other.close();
    expect(await readFile(path.join(folder, 'archive-0001.zip'), 'utf8')).toBe('zip');

    // This one killed: its next run empties its folder.
    opened = opened.filter((x) => x !== s);
    await rm(path.join(stateDir(), 'acme.yaml.lock'), { recursive: true });
    await open(silentLogger, { workDir: shared });
    expect(await readdir(shared)).toEqual([]);
  });
});
