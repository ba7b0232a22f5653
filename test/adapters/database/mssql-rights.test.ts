// No SQL Server runs here: the adapter is driven through knex's real SQL Server client and
// tedious's own Request objects, with the connection to the server replaced by one that records
// each statement and answers with rows. What is tested is the exact statement that asks the
// login's rights, and what the adapter decides from the rows a server would return.
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MSSQL_RIGHTS_QUERY, type WriteRight } from '../../../adapters/database/mssql-rights.js';
import { mssqlAdapter } from '../../../adapters/database/mssql.js';
import { AdapterConfigError, type AdapterContext } from '../../../adapters/types.js';
import { MatchSectionSchema, type SourceSection } from '../../../src/mapping/schema.js';
import { makeNormaliser } from '../../../src/match/normalise.js';
import { bindSources } from '../../../src/mapping/bind.js';
import { lookupByCompany } from '../../../src/pipeline/company-sources.js';
import { entry } from '../../helpers/entries.js';
import { recordMssql, type MssqlAnswer } from '../../helpers/recording-mssql.js';

const require = createRequire(import.meta.url);
const { RequestError } = require('tedious') as { RequestError: new (message: string, code?: string) => Error & { number?: number } };

let recording: ReturnType<typeof recordMssql>;
let answer: MssqlAnswer = () => [];
beforeEach(() => {
  recording = recordMssql((sql, db) => answer(sql, db));
});
afterEach(() => recording.restore());

function recordingLog() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg = '') => lines.push({ level, obj, msg });
  return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn') } };
}

const right = (over: Partial<WriteRight>): WriteRight => ({ right: 'INSERT', on: 'database', via: null, login: 'clearnox', user: 'clearnox', database: 'BIJOU', ...over });
const rightsAre = (rows: WriteRight[], lookup: object[] = []): MssqlAnswer => (sql) => (sql === 'select 1' ? [{ '': 1 }] : sql === MSSQL_RIGHTS_QUERY ? rows : lookup);

const SAGE = 'SELECT DO_Piece AS documentNumber FROM dbo.F_DOCENTETE WHERE DO_Piece IN (:documentNumbers)';
const options = (over: Record<string, unknown> = {}) =>
  mssqlAdapter.optionsSchema.parse({ host: 'sql01', database: 'BIJOU', user: 'clearnox', password: 'pw-not-shown-9182', ...over });
const open = (ctx: AdapterContext, over: Record<string, unknown> = {}) => mssqlAdapter.open(options(over), { sql: SAGE }, ctx);

describe('SQL Server: the login\'s rights, read at connect', () => {
  it('sends one statement asking them, after the first one and before any look-up', async () => {
    answer = rightsAre([], [{ documentNumber: 'FA1' }]);
    const { log } = recordingLog();
    const source = await open({ baseDir: process.cwd(), log });
    expect(await source.lookup({ documentNumbers: ['FA1'], normalizedNumbers: ['FA1'] })).toEqual([{ documentNumber: 'FA1' }]);
    await source.close();
    expect(recording.sent.map((s) => s.sql)).toEqual(['select 1', MSSQL_RIGHTS_QUERY, 'SELECT DO_Piece AS documentNumber FROM dbo.F_DOCENTETE WHERE DO_Piece IN (@p0)']);
    expect(recording.sent[1]!.parameters).toEqual([]);
    // What the statement asks, as SQL Server's own functions answer it for this login.
    for (const part of [
      "IS_SRVROLEMEMBER(N'sysadmin') = 1",
      "(VALUES (N'db_owner'), (N'db_datawriter'), (N'db_ddladmin')) AS r(name) WHERE IS_ROLEMEMBER(r.name) = 1",
      "p.permission_name COLLATE DATABASE_DEFAULT, N'database', NULL FROM fn_my_permissions(NULL, N'DATABASE') AS p WHERE p.permission_name IN (N'CONTROL', N'ALTER', N'ALTER ANY SCHEMA', N'INSERT', N'UPDATE', N'DELETE', N'EXECUTE')",
      "HAS_PERMS_BY_NAME(QUOTENAME(s.name), N'SCHEMA', p.name) = 1",
      'JOIN sys.user_token AS t ON t.principal_id = d.grantee_principal_id',
      'ELSE HAS_PERMS_BY_NAME(x.name, x.kind, d.permission_name) END',
      "HAS_PERMS_BY_NAME(x.name, N'OBJECT', d.permission_name, COL_NAME(d.major_id, d.minor_id), N'COLUMN')",
      'SUSER_SNAME() AS [login], USER_NAME() AS [user], DB_NAME() AS [database]',
    ]) {
      expect(MSSQL_RIGHTS_QUERY).toContain(part);
    }
  });

  it('refuses a login that can write, naming the login, the database, its rights and the statements that take them away', async () => {
    answer = rightsAre([
      right({ right: 'db_datawriter', on: 'database role' }),
      right({ right: 'INSERT' }),
      right({ right: 'UPDATE' }),
      right({ right: 'EXECUTE', on: '[dbo].[P_ECRIT]', via: 'public' }),
    ]);
    const e = await open({ baseDir: process.cwd(), log: recordingLog().log }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(AdapterConfigError);
    const message = (e as Error).message;
    expect(message).toContain('source: the SQL Server login "clearnox" can change the database "BIJOU" of the SQL Server at sql01:1433 (member of db_datawriter; EXECUTE on [dbo].[P_ECRIT] (granted to public))');
    expect(message).toContain('no read-only transaction');
    expect(message).toContain('USE [BIJOU]; ALTER ROLE [db_datawriter] DROP MEMBER [clearnox]; REVOKE EXECUTE ON [dbo].[P_ECRIT] FROM [public];');
    expect(message).toContain('GRANT SELECT ON dbo.F_DOCENTETE TO [clearnox]');
    expect(message).toContain('README, "Read-only database users"');
    expect(message).toContain('source.allowWriteAccess: true');
    expect(message).not.toContain('pw-not-shown-9182');
    // Nothing was looked up, and the connection was closed.
    expect(recording.sent.map((s) => s.sql)).toEqual(['select 1', MSSQL_RIGHTS_QUERY]);
    expect(recording.closed()).toBe(1);
  });

  it.each([
    ['the server role sysadmin', [right({ right: 'sysadmin', on: 'server role', login: 'CORP\\svc-sql', user: 'dbo' })], 'member of the server role sysadmin', 'ALTER SERVER ROLE sysadmin DROP MEMBER [CORP\\svc-sql];'],
    ['db_owner', [right({ right: 'db_owner', on: 'database role' }), right({ right: 'CONTROL' }), right({ right: 'DELETE' })], 'member of db_owner)', 'ALTER ROLE [db_owner] DROP MEMBER [clearnox];'],
    ['a database permission', [right({ right: 'DELETE' })], 'DELETE on the database)', 'REVOKE DELETE FROM [clearnox];'],
    ['a database permission through a role', [right({ right: 'UPDATE' }), right({ right: 'UPDATE', via: 'erp_users' })], 'UPDATE on the database (granted to erp_users))', 'REVOKE UPDATE FROM [erp_users];'],
    ['a schema permission', [right({ right: 'ALTER', on: 'SCHEMA::[dbo]' })], 'ALTER on SCHEMA::[dbo])', 'REVOKE ALTER ON SCHEMA::[dbo] FROM [clearnox];'],
    ['a table grant', [right({ right: 'INSERT', on: '[dbo].[F_DOCENTETE]', via: 'clearnox' })], 'INSERT on [dbo].[F_DOCENTETE])', 'REVOKE INSERT ON [dbo].[F_DOCENTETE] FROM [clearnox];'],
  ])('refuses %s, and says how to take it away', async (_name, rows, says, fix) => {
    answer = rightsAre(rows);
    const message = (await open({ baseDir: process.cwd(), log: recordingLog().log }).catch((x: Error) => x) as Error).message;
    expect(message).toContain(says);
    expect(message).toContain(fix);
  });

  it('lets a login that can write connect when source.allowWriteAccess is true, with a warning in the log', async () => {
    answer = rightsAre([right({ right: 'db_owner', on: 'database role' })], [{ documentNumber: 'FA1' }]);
    const { lines, log } = recordingLog();
    const source = await open({ baseDir: process.cwd(), log }, { allowWriteAccess: true });
    await source.close();
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/^Warning: the SQL Server login "clearnox" can change the database "BIJOU" .*\(member of db_owner\); going on since source\.allowWriteAccess is true/);
  });

  it('connects without a warning when the login can only read', async () => {
    answer = rightsAre([]);
    const { lines, log } = recordingLog();
    await (await open({ baseDir: process.cwd(), log })).close();
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('refuses when the rights cannot be read, unless allowed', async () => {
    answer = (sql) => {
      if (sql !== MSSQL_RIGHTS_QUERY) return [{ '': 1 }];
      const err = new RequestError("'IS_ROLEMEMBER' is not a recognized built-in function name.", 'EREQUEST');
      err.number = 195;
      return err;
    };
    const e = await open({ baseDir: process.cwd(), log: recordingLog().log }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(AdapterConfigError);
    expect((e as Error).message).toMatch(/^source: what the login "clearnox" may do on the database "BIJOU" of the SQL Server at sql01:1433 could not be read \('IS_ROLEMEMBER' is not a recognized/);
    expect(recording.closed()).toBe(1);
    const { lines, log } = recordingLog();
    await (await open({ baseDir: process.cwd(), log }, { allowWriteAccess: true })).close();
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/could not be read .*; going on since source\.allowWriteAccess is true/)]);
  });

  it('checks each company\'s database, and each company may allow it on its own', async () => {
    const writes = (db: string) => (db === 'BIJOU2' ? [right({ right: 'db_datawriter', on: 'database role', database: 'BIJOU2' })] : []);
    answer = (sql, db) => (sql === 'select 1' ? [{ '': 1 }] : sql === MSSQL_RIGHTS_QUERY ? writes(db) : []);
    const section = (company2: Record<string, unknown>): SourceSection => ({
      type: 'mssql',
      host: 'sql01',
      database: 'BIJOU',
      user: 'clearnox',
      password: 'pw-not-shown-9182',
      query: SAGE,
      documentNumberColumn: 'documentNumber',
      pathTemplate: '{{documentNumber}}.pdf',
      companies: { C1: {}, C2: { database: 'BIJOU2', ...company2 } },
    });
    const run = (s: SourceSection, log: AdapterContext['log']) =>
      lookupByCompany({
        sources: bindSources(s, mssqlAdapter),
        entries: [entry('e1', 'FA1', { companyCode: 'C1' }), entry('e2', 'FA2', { companyCode: 'C2' })],
        normalise: makeNormaliser(MatchSectionSchema.parse({})),
        ctx: { baseDir: process.cwd(), log },
        stage: (_name, work) => work(),
      });

    await expect(run(section({}), recordingLog().log)).rejects.toThrow(/can change the database "BIJOU2"/);
    expect(recording.sent.filter((s) => s.sql === MSSQL_RIGHTS_QUERY).map((s) => s.database)).toEqual(['BIJOU', 'BIJOU2']);

    recording.sent.length = 0;
    const { lines, log } = recordingLog();
    await run(section({ allowWriteAccess: true }), log);
    expect(recording.sent.filter((s) => s.sql === MSSQL_RIGHTS_QUERY).map((s) => s.database)).toEqual(['BIJOU', 'BIJOU2']);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringContaining('can change the database "BIJOU2"')]);
  });
});
