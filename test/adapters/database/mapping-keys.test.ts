// What an integrator reads when a database section of the mapping file is wrong: each problem
// on its line, naming the key, with the real adapters' schemas.
import path from 'node:path';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../../adapters/index.js';
import { MappingError, parseMapping } from '../../../src/mapping/load.js';

const HEAD = `clearnox:
  baseUrl: https://api.clearnox.test
  clientId: c1
  clientSecret: \${env:CLEARNOX_CLIENT_SECRET}
documents:
  type: local
  root: pdfs
`;
const env = { CLEARNOX_CLIENT_SECRET: 'client-secret-for-tests', ERP_DB_PASSWORD: 'db-password-for-tests' };

async function problems(source: string): Promise<{ path: string; line?: number; message: string }[]> {
  const e = await parseMapping(`${HEAD}source:\n${source}`, path.join(os.tmpdir(), 'mapping.yaml'), builtinAdapters(), { env }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(MappingError);
  return (e as MappingError).problems.map(({ path: p, line, message }) => ({ path: p, line, message }));
}

describe('database sections of the mapping file', () => {
  it('refuses a password written in the file, and names the variable to use', async () => {
    const found = await problems(`  type: mssql
  host: SRV-SAGE
  database: BIJOU
  user: clearnox_reader
  password: Sage2024!
  query: SELECT DO_Piece AS documentNumber FROM F_DOCENTETE WHERE DO_Piece IN (:documentNumbers)
  pathTemplate: "{{documentNumber}}.pdf"
`);
    expect(found).toEqual([{ path: 'source.password', line: 13, message: expect.stringContaining('${env:SOURCE_PASSWORD}') }]);
    expect(JSON.stringify(found)).not.toContain('Sage2024!');
  });

  it('refuses a password written in a connection string', async () => {
    const found = await problems(`  type: postgres
  connectionString: postgres://reader:Odoo-2024@odoo-server/odoo
  query: SELECT name AS "documentNumber", store_fname AS path FROM account_move WHERE name IN (:documentNumbers)
  pathColumn: path
`);
    expect(found.map((p) => p.path)).toEqual(['source.connectionString']);
    expect(JSON.stringify(found)).not.toContain('Odoo-2024');
  });

  it('names a misspelt key of a company, on its line', async () => {
    const found = await problems(`  type: mysql
  host: erp
  user: reader
  password: \${env:ERP_DB_PASSWORD}
  query: SELECT ref AS documentNumber FROM llx_facture WHERE ref IN (:documentNumbers)
  pathTemplate: "facture/{{documentNumber}}/{{documentNumber}}.pdf"
  companies:
    MAIN:
      databse: dolibarr
`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: 'source.companies.MAIN.databse', line: 17 });
    expect(found[0]!.message).toContain('databse');
  });

  it('asks the table form for the document number column', async () => {
    const found = await problems(`  type: mssql
  host: SRV-SAGE
  database: BIJOU
  user: reader
  password: \${env:ERP_DB_PASSWORD}
  query:
    table: dbo.F_DOCENTETE
    columns:
      piece: DO_Piece
  pathTemplate: "{{piece}}.pdf"
`);
    expect(found).toEqual([
      { path: 'source.query.columns', line: expect.any(Number), message: expect.stringContaining('query.columns must name the document number column') },
    ]);
  });

  it('accepts every template key of the SQL Server, MySQL and PostgreSQL sources', async () => {
    const loaded = await parseMapping(
      `${HEAD}source:
  type: postgres
  host: odoo-server
  port: 5432
  database: odoo
  user: reader
  password: \${env:ERP_DB_PASSWORD}
  schema: company_2
  sslMode: verify-full
  sslRootCert: ca.pem
  connectTimeoutSeconds: 5
  queryTimeoutSeconds: 60
  query: SELECT name AS "documentNumber" FROM account_move WHERE name IN (:documentNumbers)
  pathTemplate: "{{documentNumber}}.pdf"
  batchSize: 2000
`,
      path.join(os.tmpdir(), 'mapping.yaml'),
      builtinAdapters(),
      { env },
    );
    expect(loaded.mapping.source).toMatchObject({ type: 'postgres', schema: 'company_2', sslMode: 'verify-full', batchSize: 2000, password: 'db-password-for-tests' });
    expect(loaded.secrets).toContain('db-password-for-tests');
  });
});
