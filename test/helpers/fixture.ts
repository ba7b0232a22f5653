// A small customer set-up on disk: a SQLite ERP, a folder of PDFs and a mapping file.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../adapters/database/sqlite-driver.js';
import { fakePdf } from './pdf.js';
import { clearnoxYaml } from './sandbox-run.js';

export interface FixtureRow {
  number: string;
  /** Path stored in the ERP; null for no path. */
  pdf: string | null;
  /** File content written at `pdf` (under the root); undefined writes nothing. */
  content?: Buffer | string;
}

export interface Fixture {
  dir: string;
  mappingPath: string;
  secret: string;
}

export const FIXTURE_SECRET = 'fixture-secret-Zq81xv';

export async function buildFixture(rows: FixtureRow[], opts: { baseUrl: string; clientId?: string; extraYaml?: string; upload?: string; clearnox?: string; pollTimeoutSeconds?: number }): Promise<Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-fixture-'));
  const root = path.join(dir, 'pdfs');
  await mkdir(root, { recursive: true });
  const db = await openSqlite(path.join(dir, 'erp.sqlite'), { create: true });
  db.exec('CREATE TABLE invoices (number TEXT NOT NULL, pdf TEXT)');
  const insert = db.prepare('INSERT INTO invoices VALUES (?, ?)');
  for (const row of rows) {
    insert.run(row.number, row.pdf);
    if (row.pdf && row.content !== undefined) {
      const file = path.join(root, ...row.pdf.split(/[\\/]/));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, row.content);
    }
  }
  db.close();
  const mappingPath = path.join(dir, 'mapping.yaml');
  await writeFile(
    mappingPath,
    `version: 1
${clearnoxYaml(opts.baseUrl, { secretEnv: 'CNX_TEST_SECRET', ...(opts.clientId ? { clientId: opts.clientId } : {}), extra: `  pageSize: 7\n${opts.clearnox ?? ''}` })}source:
  type: sqlite
  path: erp.sqlite
  query: SELECT number AS documentNumber, pdf AS path FROM invoices WHERE UPPER(REPLACE(number, ' ', '')) IN (:normalizedNumbers)
  pathColumn: path
documents:
  type: local
  root: pdfs
upload:
  maxDocumentsPerArchive: 4
  pollTimeoutSeconds: ${opts.pollTimeoutSeconds ?? 30}
${opts.upload ?? ''}${opts.extraYaml ?? ''}`,
  );
  process.env.CNX_TEST_SECRET = FIXTURE_SECRET;
  return { dir, mappingPath, secret: FIXTURE_SECRET };
}

export const pdf = (label: string) => fakePdf(label);
