// SQL Server's certificate is checked against the CA the mapping file gives (source.caCertificate),
// so a server with a private or self-signed certificate is trusted without turning checks off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../../../adapters/database/knex-source.js';
import { mssqlAdapter, mssqlKnexSettings } from '../../../adapters/database/mssql.js';
import { silentLogger } from '../../../src/log.js';
import { selfSignedCertificate, type TestCertificate } from '../../helpers/self-signed.js';

let cert: TestCertificate;
beforeAll(() => {
  cert = selfSignedCertificate();
});
afterAll(() => cert.remove());

const ctx = { baseDir: process.cwd(), log: silentLogger };
const options = (over: Record<string, unknown> = {}) => mssqlAdapter.optionsSchema.parse({ host: 'sql01', database: 'BIJOU', user: 'clearnox', password: 'pw-not-shown-9182', ...over });

describe('SQL Server TLS trust', () => {
  it('hands the CA of source.caCertificate to tedious, and keeps checking the certificate', async () => {
    const settings = await mssqlKnexSettings(options({ caCertificate: cert.certFile }), ctx);
    const cfg = (createKnex({ client: 'mssql', connection: settings.connection as never }).client as { _generateConnection(): any })._generateConnection();
    expect(cfg.options).toMatchObject({ encrypt: true, trustServerCertificate: false, cryptoCredentialsDetails: { ca: cert.cert } });
  });

  it('refuses a SQL Server login with the certificate unchecked, by key or in the connection string; a Windows login or the legacy opt-in goes on', async () => {
    const refusal = /the SQL Server login's password would go to whoever answers at the SQL Server at sql01.*nothing was sent\. Give source\.caCertificate/;
    await expect(mssqlKnexSettings(options({ trustServerCertificate: true }), ctx)).rejects.toThrow(refusal);
    const cs = 'Server=sql01;Database=BIJOU;User Id=clearnox;Password=pw-not-shown-9182;TrustServerCertificate=true';
    const viaString = mssqlKnexSettings(options({ host: undefined, database: undefined, user: undefined, password: undefined, connectionString: cs }), ctx);
    await expect(viaString).rejects.toThrow(/^source\.connectionString: its TrustServerCertificate leaves the server's certificate unchecked/);
    await expect(viaString).rejects.not.toThrow(/pw-not-shown-9182/);
    await expect(mssqlKnexSettings(options({ trustServerCertificate: true, user: 'CORP\\svc' }), ctx)).resolves.toBeDefined();
    await expect(mssqlKnexSettings(options({ trustServerCertificate: true, allowPasswordWithoutVerifiedTls: true }), ctx)).resolves.toBeDefined();
  });

  it('a CA file that cannot be read is a mapping-file error naming the key', async () => {
    await expect(mssqlKnexSettings(options({ caCertificate: 'no-such-ca.pem' }), ctx)).rejects.toThrow(/^source\.caCertificate: cannot read the certificate file .*no-such-ca\.pem/);
  });

  it('the schema no longer offers turning the check off as the way for a self-signed certificate', () => {
    const shape = (mssqlAdapter.optionsSchema as unknown as { shape: Record<string, { description?: string }> }).shape;
    expect(shape['trustServerCertificate']!.description).toMatch(/receives the login's password, so with a SQL Server login it is refused unless allowPasswordWithoutVerifiedTls is set \(a Windows login sends no password\)\. Give caCertificate instead/);
    expect(shape['connectionString']!.description).not.toMatch(/TrustServerCertificate=true/);
  });
});
