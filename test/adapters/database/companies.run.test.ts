// A whole run with one ledger per PostgreSQL schema (source.companies): each company's entries
// are attached from its own ledger's paths, and a company the mapping file does not list is
// reported, not looked up elsewhere.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../src/sandbox/server.js';
import { entry } from '../../helpers/entries.js';
import { runMappingOnce } from '../../helpers/sandbox-run.js';
import { fakePdf } from '../../helpers/pdf.js';
import { connectionYaml, postgresErp, type ErpFixture } from './server-fixture.js';

let erp: ErpFixture;
let dir: string;

beforeAll(async () => {
  erp = await postgresErp([]);
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-companies-'));
  await erp.addLedger('ledger_acme', [{ number: 'FA-1', pdf: 'acme/FA-1.pdf' }]);
  await erp.addLedger('ledger_bijou', [{ number: 'FA-1', pdf: 'bijou/FA-1.pdf' }, { number: 'FA-2', pdf: 'bijou/FA-2.pdf' }]);
  for (const [file, label] of [['acme/FA-1.pdf', 'ACME FA-1'], ['bijou/FA-1.pdf', 'BIJOU FA-1'], ['bijou/FA-2.pdf', 'BIJOU FA-2']] as const) {
    await mkdir(path.join(dir, 'pdfs', path.dirname(file)), { recursive: true });
    await writeFile(path.join(dir, 'pdfs', file), fakePdf(label));
  }
});
afterAll(async () => {
  await erp?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a run over two companies, each in its own schema', () => {
  it('attaches each company\'s own document for the same number, and reports the unlisted company', async () => {
    const entries = [
      entry('acme_1', 'FA-1', { companyCode: 'ACME' }),
      entry('bijou_1', 'FA-1', { companyCode: 'BIJOU' }),
      entry('acme_2', 'FA-2', { companyCode: 'ACME' }),
      entry('other_1', 'FA-1', { companyCode: 'OTHER' }),
    ];
    const sandbox = await startSandbox({ entries, processingDelayMs: 5 });
    try {
      const { report } = await runMappingOnce(
        dir,
        sandbox,
        `source:
${connectionYaml(erp, 'CNX_CO_DB_PASSWORD')}  query: SELECT number AS "documentNumber", pdf AS path FROM invoices WHERE number IN (:documentNumbers)
  pathColumn: path
  companies:
    ACME:
      schema: ledger_acme
    BIJOU:
      schema: ledger_bijou
documents:
  type: local
  root: pdfs
`,
        { CNX_CO_DB_PASSWORD: erp.reader.password },
      );
      const byId = Object.fromEntries(report.entries.map((e) => [e.entryId, e]));
      expect(byId['acme_1']).toMatchObject({ outcome: 'attached', path: 'acme/FA-1.pdf' });
      expect(byId['bijou_1']).toMatchObject({ outcome: 'attached', path: 'bijou/FA-1.pdf' });
      expect(byId['acme_2']).toMatchObject({ outcome: 'not_found', reasonCode: 'no_row_in_source' });
      expect(byId['other_1']).toMatchObject({ outcome: 'not_found', reason: 'not looked up: the mapping file has no source for company OTHER (source.companies)' });
      const attached = new Map(sandbox.state().entries.filter((e) => e.attached).map((e) => [e.id, e.attached!.sha256]));
      expect([...attached.keys()].sort()).toEqual(['acme_1', 'bijou_1']);
      expect(attached.get('acme_1')).not.toBe(attached.get('bijou_1'));
    } finally {
      await sandbox.close();
    }
  });
});
