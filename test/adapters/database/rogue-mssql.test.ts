// A machine answering at SQL Server's address says it cannot encrypt: tedious would then send the
// SQL login's password merely obfuscated, whatever `encrypt` and the certificate say. It must not.
import { describe, expect, it } from 'vitest';
import { mssqlAdapter } from '../../../adapters/database/mssql.js';
import { AdapterConfigError, UntrustedServerError } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { obfuscated, rogueMssql, type RogueMssql } from '../../helpers/rogue-mssql.js';

const ctx = { baseDir: process.cwd(), log: silentLogger };
const PASSWORD = 'Sage-Passw0rd-for-the-impostor';

async function connect(rogue: RogueMssql, over: Record<string, unknown> = {}): Promise<Error | null> {
  const options = mssqlAdapter.optionsSchema.parse({ host: '127.0.0.1', port: rogue.port, database: 'BIJOU', user: 'clearnox_reader', password: PASSWORD, connectTimeoutSeconds: 5, ...over });
  try {
    const source = await mssqlAdapter.open(options, { sql: 'SELECT DO_Piece AS documentNumber FROM dbo.F_DOCENTETE WHERE DO_Piece IN (:documentNumbers)' }, ctx);
    await source.close();
    return null;
  } catch (e) {
    return e as Error;
  }
}

function passwordIn(rogue: RogueMssql): boolean {
  const received = rogue.received();
  return received.includes(obfuscated(PASSWORD)) || received.includes(Buffer.from(PASSWORD, 'ucs2')) || received.includes(Buffer.from(PASSWORD));
}

describe('a rogue SQL Server that will not encrypt', () => {
  it.each([
    ['encryption not supported, with the default settings (encrypt: true)', 'not_supported', {}],
    ['encryption off, with the default settings', 'off', {}],
    ['encryption off, with encrypt: false', 'off', { encrypt: false }],
  ] as const)('gets no login packet: %s', async (_name, encryption, over) => {
    const rogue = await rogueMssql({ encryption });
    try {
      const e = await connect(rogue, over);
      expect(e).toBeInstanceOf(UntrustedServerError);
      expect(e!.message).toMatch(/^the SQL Server at 127\.0\.0\.1:\d+ asked for the password without encrypting the connection first .*: the password was not sent/);
      expect(e!.message).toContain('source.caCertificate');
      expect(e!.message).toContain('source.allowPasswordWithoutVerifiedTls: true');
      expect(e!.message).not.toMatch(/trustServerCertificate/);
      expect(rogue.loginReceived()).toBe(false);
      expect(passwordIn(rogue)).toBe(false);
    } finally {
      await rogue.close();
    }
  });

  it('is not even reached by a SQL Server login with the certificate trusted unchecked: the mapping file is refused', async () => {
    const rogue = await rogueMssql({ encryption: 'not_supported' });
    try {
      const e = await connect(rogue, { trustServerCertificate: true });
      expect(e).toBeInstanceOf(AdapterConfigError);
      expect(e!.message).toMatch(/^source\.trustServerCertificate leaves the server's certificate unchecked, so the SQL Server login's password would go to whoever answers at the SQL Server at 127\.0\.0\.1:\d+/);
      expect(rogue.received().length).toBe(0);
    } finally {
      await rogue.close();
    }
  });

  it('gets the login of a legacy server the mapping file allows (allowPasswordWithoutVerifiedTls: true)', async () => {
    const rogue = await rogueMssql({ encryption: 'not_supported' });
    try {
      const e = await connect(rogue, { allowPasswordWithoutVerifiedTls: true });
      expect(e).not.toBeInstanceOf(UntrustedServerError);
      expect(rogue.loginReceived()).toBe(true);
      expect(rogue.received().includes(obfuscated(PASSWORD))).toBe(true);
    } finally {
      await rogue.close();
    }
  });

  it('lets a Windows (NTLM) login go on: it sends no password', async () => {
    const rogue = await rogueMssql({ encryption: 'not_supported' });
    try {
      const e = await connect(rogue, { user: 'CORP\\svc-clearnox' });
      expect(e).not.toBeInstanceOf(UntrustedServerError);
      expect(rogue.loginReceived()).toBe(true);
      expect(passwordIn(rogue)).toBe(false);
    } finally {
      await rogue.close();
    }
  });
});
