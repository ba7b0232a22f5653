// documents.index: PDFs found by file name, on every store, and a whole run joined on it.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { builtinAdapters } from '../../adapters/index.js';
import { localAdapter } from '../../adapters/documents/local.js';
import { AdapterConfigError, type DocumentStore } from '../../adapters/types.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import { MatchSectionSchema } from '../../src/mapping/schema.js';
import { makeNormaliser } from '../../src/match/normalise.js';
import { scanFolderIndex } from '../../src/pipeline/folder-index.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { entry } from '../helpers/entries.js';
import { clearnoxYaml, runMappingOnce } from '../helpers/sandbox-run.js';
import { fakePdf } from '../helpers/pdf.js';
import { openSftp, serverFolder, sftpOptions } from '../adapters/documents/sftp-fixture.js';
import { openSmb, shareFolder } from '../adapters/documents/smb-fixture.js';

// The run's own match rules apply to the numbers read from file names: "FA000123" is "FA-123".
const normalise = makeNormaliser(MatchSectionSchema.parse({ ignoreLeadingZeros: true, pattern: '^FA[- ]?(\\d+)$' }));
const pattern = '^(?<number>FA[- ]?\\d+)\\b.*\\.pdf$';
const cleanup: string[] = [];
afterAll(async () => {
  for (const d of cleanup) await rm(d, { recursive: true, force: true });
});

async function writeTree(dir: string): Promise<void> {
  const files: Record<string, string> = {
    '2024/01/FA000123 - Dupont SARL.pdf': 'FA-123',
    '2024/01/FA-124.PDF': 'FA-124',
    '2024/02/FA 125 été (copie).pdf': 'FA-125',
    '2024/02/notes.txt': 'no',
    '2024/02/Thumbs.db': 'no',
    '2025/FA-200.pdf': 'FA-200',
    '2025/dup/FA-200.pdf': 'FA-200 again',
    'archive/FA-999.pdf': 'FA-999',
  };
  for (const [rel, label] of Object.entries(files)) {
    const file = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, fakePdf(label), { mode: 0o644 });
  }
  for (const d of ['2024', '2024/01', '2024/02', '2025', '2025/dup', 'archive']) await chmod(path.join(dir, d), 0o755);
}

async function scanned(store: DocumentStore, folders?: string[]) {
  try {
    const index = await scanFolderIndex(store, { pattern, ignoreCase: true, ...(folders ? { folders } : {}) }, normalise, silentLogger);
    return { ...index, paths: Object.fromEntries([...index.paths].map(([k, v]) => [k, [...v].sort()]).sort()) };
  } finally {
    await store.close();
  }
}

const expected = {
  '123': ['2024/01/FA000123 - Dupont SARL.pdf'],
  '124': ['2024/01/FA-124.PDF'],
  '125': ['2024/02/FA 125 été (copie).pdf'],
  '200': ['2025/FA-200.pdf', '2025/dup/FA-200.pdf'],
};

describe('scanning a store by file name', () => {
  const stores: [string, () => Promise<DocumentStore>][] = [
    [
      'local',
      async () => {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-index-'));
        cleanup.push(dir);
        await writeTree(dir);
        return localAdapter.open({ root: dir }, { baseDir: dir, log: silentLogger });
      },
    ],
    [
      'sftp',
      async () => {
        const dir = await serverFolder('index');
        await writeTree(dir);
        return openSftp(sftpOptions(dir));
      },
    ],
    [
      'smb',
      async () => {
        const { dir, options } = await shareFolder('index');
        await writeTree(dir);
        return openSmb(options);
      },
    ],
  ];

  it.each(stores)('finds the numbers in the names on the %s store, skipping what does not match', async (_name, open) => {
    const store = await open();
    const all = await scanned(store, ['2024', '2025']);
    expect(all.paths).toEqual(expected);
    expect(all.skipped).toBe(2);
    const again = await scanned(await open(), undefined);
    expect(Object.keys(again.paths)).toContain('999');
    // documents.index is the core's own setting, not a store's.
    const missingFolder = await scanFolderIndex(await open(), { pattern, ignoreCase: true, folders: ['2023'] }, normalise, silentLogger).catch((e: unknown) => e);
    expect(missingFolder).toBeInstanceOf(ConfigError);
    expect(missingFolder).not.toBeInstanceOf(AdapterConfigError);
  });
});

describe('a run with documents.index', () => {
  it('attaches the files found by name, and reports missing and ambiguous numbers', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-index-run-'));
    cleanup.push(dir);
    await writeTree(path.join(dir, 'pdfs'));
    const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
    db.exec("CREATE TABLE invoices (number TEXT NOT NULL); INSERT INTO invoices VALUES ('FA-123'), ('FA-124'), ('FA 125'), ('FA-200'), ('FA-300')");
    db.close();
    const sandbox = await startSandbox({
      entries: [entry('e1', 'FA-123'), entry('e2', 'FA-124'), entry('e3', 'FA 125'), entry('e4', 'FA-200'), entry('e5', 'FA-300'), entry('e6', 'FA-404')],
      processingDelayMs: 5,
    });
    try {
      const { report } = await runMappingOnce(
        dir,
        sandbox,
        `source:
  type: sqlite
  path: erp.sqlite
  query: SELECT number AS documentNumber FROM invoices WHERE number IN (:documentNumbers)
documents:
  type: local
  root: pdfs
  index:
    pattern: '${pattern}'
    folders: ["2024", "2025"]
match:
  ignoreLeadingZeros: true
  removeInnerSpaces: true
  pattern: '^FA[- ]?(\\d+)$'
`,
      );
      const byId = Object.fromEntries(report.entries.map((e) => [e.entryId, `${e.outcome}/${e.reasonCode}`]));
      expect(byId).toEqual({
        e1: 'attached/attached',
        e2: 'attached/attached',
        e3: 'attached/attached',
        e4: 'ambiguous/several_files',
        e5: 'file_missing/file_not_found',
        e6: 'not_found/no_row_in_source',
      });
      const attached = sandbox.state().entries.find((e) => e.id === 'e1')!.attached!;
      expect(attached.fileName).toBe('FA-123.pdf');
    } finally {
      await sandbox.close();
    }
  });

  it('is refused beside a path column, and the path keys are still asked for without it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-index-schema-'));
    cleanup.push(dir);
    await mkdir(path.join(dir, 'pdfs'));
    await writeFile(path.join(dir, 'erp.sqlite'), '');
    const yaml = (source: string, documents: string) => `version: 1
${clearnoxYaml('http://127.0.0.1:9', { secretEnv: 'CNX_INDEX_SECRET', clientId: 'x' })}source:
  type: sqlite
  path: erp.sqlite
  query: SELECT 1
${source}
documents:
  type: local
  root: pdfs
${documents}`;
    process.env.CNX_INDEX_SECRET = 'sandbox-secret';
    const file = path.join(dir, 'mapping.yaml');
    await writeFile(file, yaml('  pathColumn: path', `  index:\n    pattern: '${pattern}'\n`));
    await expect(loadMapping(file, builtinAdapters())).rejects.toThrow(/documents\.index: finds the PDFs by file name/);
    await writeFile(file, yaml('', ''));
    await expect(loadMapping(file, builtinAdapters())).rejects.toThrow(/give exactly one of pathColumn or pathTemplate/);
    await writeFile(file, yaml('', `  index:\n    pattern: '(unclosed'\n`));
    await expect(loadMapping(file, builtinAdapters())).rejects.toThrow(/documents\.index\.pattern: not a valid regular expression/);
  });
});
