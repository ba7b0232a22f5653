// The Windows executable, run for real by Wine: installed as the README says (the release folder
// in C:\Program Files\clearnox-sync), then --version, the demo into a C:\ folder, and a dry run
// of a mapping file written with Windows paths, as an integrator writes one.
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTABLE_NODE } from '../../scripts/node-binary.js';
import { version } from '../../src/install.js';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { entry } from '../helpers/entries.js';
import { releases } from '../helpers/executable.js';
import { fakePdf } from '../helpers/pdf.js';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../helpers/sandbox-run.js';
import { runUnderWine, wine } from '../helpers/wine.js';

const VERSION = version();
const EXE = 'C:\\Program Files\\clearnox-sync\\clearnox-sync.exe';

// C:\ of the Wine prefix, as Linux sees it.
const driveC = () => path.join(wine().prefix, 'drive_c');
let installDir: string;
let folder: string;
let work: string;

beforeAll(async () => {
  installDir = path.join(driveC(), 'Program Files', 'clearnox-sync');
  await rm(installDir, { recursive: true, force: true });
  await cp(releases().windows.folder, installDir, { recursive: true });
  folder = `cnx-${Math.random().toString(36).slice(2, 8)}`;
  work = path.join(driveC(), folder);
  await mkdir(work, { recursive: true });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const exe = (args: string[], env: Record<string, string> = {}) => runUnderWine(EXE, args, { cwd: work, env, timeoutMs: 180_000 });

describe('the Windows executable under Wine', () => {
  it('tells its version, the Node.js inside and that it is the single executable', async () => {
    const r = await exe(['--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`clearnox-sync ${VERSION} (Node.js v${EXECUTABLE_NODE}, win32-x64, single executable)`);
  });

  it('runs the demo into a folder given as C:\\...', async () => {
    const r = await exe(['demo', '--dir', `C:\\${folder}\\demo`]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Demo OK/);
    // Its hint names the program as installed, and the Windows way to set a variable.
    expect(r.stdout).toContain(`"${EXE}" run --config C:\\${folder}\\demo\\mapping.yaml --dry-run`);
    expect(r.stdout).toContain('set CLEARNOX_CLIENT_SECRET=');
    const run1 = JSON.parse(await readFile(path.join(work, 'demo', 'report-run1.json'), 'utf8'));
    expect(run1.counts).toMatchObject({ missingEntries: 120, entriesAttached: 112, fileMissing: 1, invalidDocument: 1 });
    // The schema reference of the demo's mapping file: the one installed beside the executable.
    expect(await readFile(path.join(work, 'demo', 'mapping.yaml'), 'utf8')).toMatch(/Program%20Files\/clearnox-sync\/mappings\/mapping\.schema\.json|Program Files[\\/]clearnox-sync[\\/]mappings[\\/]mapping\.schema\.json/);
  });

  describe('a dry run of a mapping file written with Windows paths', () => {
    let sandbox: SandboxHandle;
    beforeAll(async () => {
      sandbox = await startSandbox({ entries: [entry('e1', 'FA-1'), entry('e2', 'FA-2'), entry('e3', 'FA-3'), entry('e4', 'FA-4')], processingDelayMs: 5 });
    });
    afterAll(async () => {
      await sandbox?.close();
    });

    it('reads the database, the PDFs and the secret from C:\\ paths, writes the report named by {timestamp}, and sends nothing', async () => {
      const erp = path.join(work, 'ERP');
      const pdfs = path.join(work, 'Factures PDF', '2024');
      await mkdir(erp, { recursive: true });
      await mkdir(pdfs, { recursive: true });
      await writeFile(path.join(pdfs, 'FA-1.pdf'), fakePdf('FA-1'));
      await writeFile(path.join(pdfs, 'FA-2 été.pdf'), fakePdf('FA-2'));
      await writeFile(path.join(pdfs, 'FA-3.pdf'), '<html>an error page saved as a PDF</html>');
      const db = await openSqlite(path.join(erp, 'gestion.sqlite'), { create: true });
      db.exec('CREATE TABLE factures (numero TEXT, fichier TEXT)');
      for (const [n, f] of [['FA-1', '2024\\FA-1.pdf'], ['FA-2', '2024\\FA-2 été.pdf'], ['FA-3', '2024\\FA-3.pdf'], ['FA-4', '..\\..\\Windows\\win.ini']]) {
        db.prepare('INSERT INTO factures VALUES (?, ?)').run(n, f);
      }
      db.close();
      await mkdir(path.join(work, 'secrets'), { recursive: true });
      await writeFile(path.join(work, 'secrets', 'clearnox.txt'), `${SANDBOX_CLIENT_SECRET}\r\n`);
      const mapping = [
        'version: 1',
        'clearnox:',
        `  baseUrl: ${sandbox.url}`,
        `  clientId: ${SANDBOX_CLIENT_ID}`,
        `  clientSecret: \${file:C:\\${folder}\\secrets\\clearnox.txt}`,
        'source:',
        '  type: sqlite',
        `  path: 'C:\\${folder}\\ERP\\gestion.sqlite'`,
        '  query: SELECT numero AS documentNumber, fichier AS path FROM factures WHERE numero IN (:documentNumbers)',
        '  pathColumn: path',
        'documents:',
        '  type: local',
        `  root: 'C:\\${folder}\\Factures PDF'`,
        '',
      ].join('\r\n');
      await mkdir(path.join(work, 'config'), { recursive: true });
      await writeFile(path.join(work, 'config', 'mapping.yaml'), mapping);

      const r = await exe(['run', '--config', `C:\\${folder}\\config\\mapping.yaml`, '--dry-run', '--report', `C:\\${folder}\\reports\\run-{timestamp}.json`]);
      expect(r.stderr).not.toContain(SANDBOX_CLIENT_SECRET);
      expect(r.stdout).not.toContain(SANDBOX_CLIENT_SECRET);
      expect(r.status, r.stdout + r.stderr).toBe(4);
      // The JSON report, and the CSV and HTML summary beside it.
      const reports = (await readdir(path.join(work, 'reports'))).sort();
      expect(reports).toHaveLength(3);
      expect(reports[2]).toMatch(/^run-\d{8}-\d{6}.*\.json$/);
      const stem = reports[2]!.slice(0, -'.json'.length);
      expect(reports).toEqual([`${stem}.csv`, `${stem}.html`, `${stem}.json`]);
      const csv = await readFile(path.join(work, 'reports', `${stem}.csv`));
      expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(csv.toString('utf8')).toContain('FA-2 été.pdf');
      // The plain-text log, written by the real win32 code path: a byte-order mark and CRLF for Notepad.
      const logs = await readdir(path.join(work, 'config', 'clearnox-sync-logs'));
      expect(logs).toHaveLength(1);
      const log = await readFile(path.join(work, 'config', 'clearnox-sync-logs', logs[0]!));
      expect([...log.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const logText = log.toString('utf8');
      expect(logText.split('\n').length).toBeGreaterThan(3);
      expect(logText.replace(/\r\n/g, '')).not.toContain('\n');
      expect(logText).not.toContain(SANDBOX_CLIENT_SECRET);
      const report = JSON.parse(await readFile(path.join(work, 'reports', reports[2]!), 'utf8'));
      const outcomes = Object.fromEntries(report.entries.map((e: { entryId: string; outcome: string; reasonCode: string }) => [e.entryId, `${e.outcome}/${e.reasonCode}`]));
      expect(outcomes).toMatchObject({ e1: 'would_attach/checked', e2: 'would_attach/checked' });
      expect(outcomes['e3']).toMatch(/^invalid_document\//);
      expect(outcomes['e4']).toMatch(/outside|escape|root/);
      expect(JSON.stringify(report)).not.toContain(SANDBOX_CLIENT_SECRET);
      expect(sandbox.state().entries.filter((e) => e.attached)).toEqual([]);
    });
  });
});
