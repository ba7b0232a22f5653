// The compiled program, run night after night against the same ERP with one PDF missing: the
// first run reports it as new (exit 4), the next ones as already reported (exit 0 with the default
// report.problems: new, 4 with all); a dry run reads what was reported and writes none of it; the
// CSV and the HTML summary are beside the JSON report each time.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/server.js';
import { cli } from '../helpers/cli.js';
import { entry } from '../helpers/entries.js';
import { fakePdf } from '../helpers/pdf.js';
import { clearnoxYaml, SANDBOX_CLIENT_SECRET, SANDBOX_SECRET_ENV, SQLITE_INVOICES_SOURCE } from '../helpers/sandbox-run.js';

let sandbox: SandboxHandle;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ entries: [entry('ent_1', 'FA-1'), entry('ent_2', 'FA-2')], processingDelayMs: 5, pollRetryAfterSeconds: null });
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-known-cli-'));
  const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
  // FA-2's PDF is named in the ERP but was never put on the share.
  db.exec("CREATE TABLE invoices (number TEXT, pdf TEXT); INSERT INTO invoices VALUES ('FA-1', 'FA-1.pdf'), ('FA-2', 'FA-2.pdf')");
  db.close();
  await mkdir(path.join(dir, 'pdfs'));
  await writeFile(path.join(dir, 'pdfs', 'FA-1.pdf'), fakePdf('FA-1'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

async function mapping(report = ''): Promise<string> {
  const file = path.join(dir, 'acme.yaml');
  await writeFile(file, `version: 1\n${clearnoxYaml(sandbox.url)}${SQLITE_INVOICES_SOURCE}documents:\n  type: local\n  root: pdfs\n${report}`);
  return file;
}

const run = async (name: string, more: string[] = [], report = '') => {
  const json = path.join(dir, 'reports', `${name}.json`);
  const r = await cli(['run', '--config', await mapping(report), '--report', json, ...more], { [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET });
  const rows = (JSON.parse(await readFile(json, 'utf8')) as { entries: { entryId: string; problem?: string; firstReportedAt?: string }[] }).entries;
  return { ...r, out: r.stdout + r.stderr, json, row: rows.find((e) => e.entryId === 'ent_2')! };
};

describe('new and known problems, night after night', () => {
  it('a dry run sees the problem as new and does not remember it', async () => {
    const r = await run('dry', ['--dry-run']);
    expect(r.code, r.out).toBe(4);
    expect(r.row.problem).toBe('new');
    await expect(stat(path.join(dir, 'clearnox-sync-state', 'acme.yaml.problems.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('the first run: exit 4, the missing PDF new; the CSV and the HTML beside the JSON report', async () => {
    const r = await run('night-1');
    expect(r.code, r.out).toBe(4);
    expect(r.row).toMatchObject({ problem: 'new' });
    expect(r.row.firstReportedAt).toBeUndefined();
    expect(r.stdout).toContain('Problems: 1 new.');
    const csv = await readFile(path.join(dir, 'reports', 'night-1.csv'));
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toMatch(/\r\nent_2;FA-2;TEST;file_missing;file_not_found;[^\r\n]*;new;\r\n/);
    const html = await readFile(path.join(dir, 'reports', 'night-1.html'), 'utf8');
    expect(html).toContain('To look at: 1 new');
    expect(r.stdout).toContain(`for Excel: ${path.join(dir, 'reports', 'night-1.csv')}`);
    expect(r.stdout).toContain(`to read: ${path.join(dir, 'reports', 'night-1.html')}`);
  });

  it('the next night the same missing PDF is known: exit 0 by default, 4 with report.problems: all', async () => {
    const second = await run('night-2');
    expect(second.code, second.out).toBe(0);
    expect(second.row.problem).toBe('known');
    expect(second.row.firstReportedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const day = second.row.firstReportedAt!.slice(0, 10);
    expect(second.stdout).toContain(`Problems: 0 new, 1 already reported (first on ${day}).`);
    expect((await readFile(path.join(dir, 'reports', 'night-2.csv'), 'utf8')).replace(/^\uFEFF/, '')).toContain(`;known;${second.row.firstReportedAt}\r\n`);
    expect(await readFile(path.join(dir, 'reports', 'night-2.html'), 'utf8')).toContain(`known since ${day}`);

    const all = await run('night-3', [], 'report:\n  problems: all\n');
    expect(all.code, all.out).toBe(4);
    expect(all.row).toMatchObject({ problem: 'known', firstReportedAt: second.row.firstReportedAt });
  });

  it('report.csvSeparator "," writes the CSV with commas; another value is refused before anything runs', async () => {
    const r = await run('comma', [], 'report:\n  csvSeparator: ","\n');
    expect(r.code, r.out).toBe(0);
    expect((await readFile(path.join(dir, 'reports', 'comma.csv'), 'utf8')).split('\r\n')[0]).toBe(
      '\uFEFFentryId,documentNumber,companyCode,outcome,reasonCode,reason,path,fileName,importId,problem,firstReportedAt',
    );
    const bad = await cli(['run', '--config', await mapping('report:\n  csvSeparator: "|"\n')], { [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/report\.csvSeparator/);
  });
});
