// `check` on SQL Server, with no server: knex's real SQL Server client and tedious's Request
// objects, the connection replaced by one that answers each statement (test/helpers/recording-mssql.ts). What is tested is what check tells of the server's
// version and of a login allowed to write.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MSSQL_RIGHTS_QUERY, type WriteRight } from '../../adapters/database/mssql-rights.js';
import { mssqlAdapter } from '../../adapters/database/mssql.js';
import { checkSource } from '../../src/check/database.js';
import { bindSources } from '../../src/mapping/bind.js';
import { MatchSectionSchema, type SourceSection } from '../../src/mapping/schema.js';
import { makeNormaliser } from '../../src/match/normalise.js';
import { entry } from '../helpers/entries.js';
import { recordMssql } from '../helpers/recording-mssql.js';

type Answer = (sql: string) => object[];

let answer: Answer = () => [];
let recording: ReturnType<typeof recordMssql>;
beforeEach(() => {
  recording = recordMssql((sql) => answer(sql));
});
afterEach(() => recording.restore());

const owner: WriteRight = { right: 'db_owner', on: 'database role', via: null, login: 'clearnox', user: 'clearnox', database: 'BIJOU' };
const answers = (rights: WriteRight[]): Answer => (sql) => {
  if (sql === 'select 1') return [{ '': 1 }];
  if (sql === MSSQL_RIGHTS_QUERY) return rights;
  if (/SERVERPROPERTY\('ProductVersion'\)/.test(sql)) return [{ '': 'SQL Server 16.0.4135.4 Standard Edition (64-bit)' }];
  return [{ documentNumber: 'FA1', path: 'FA1.pdf' }];
};

const section = (over: Record<string, unknown>): SourceSection => ({
  type: 'mssql',
  host: 'sql01',
  database: 'BIJOU',
  user: 'clearnox',
  password: 'pw-not-shown-9182',
  query: 'SELECT DO_Piece AS documentNumber, path FROM dbo.F_DOCENTETE WHERE DO_Piece IN (:documentNumbers)',
  documentNumberColumn: 'documentNumber',
  pathColumn: 'path',
  ...over,
});

async function check(over: Record<string, unknown>) {
  const warnings: string[] = [];
  const bound = bindSources(section(over), mssqlAdapter).shared;
  return checkSource({
    bound,
    label: '',
    entries: [entry('e1', 'FA1')],
    noNumbers: '',
    normalise: makeNormaliser(MatchSectionSchema.parse({})),
    ctx: { baseDir: process.cwd(), log: { debug() {}, info() {}, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') } },
    mappingFile: path.join(process.cwd(), 'mapping.yaml'),
    warnings: () => warnings.splice(0),
  });
}

describe('check on SQL Server', () => {
  it('shows the version, and a login that can only read', async () => {
    answer = answers([]);
    const { lines, documents } = await check({});
    expect(lines.map((l) => [l.status, l.title, l.found])).toEqual([
      ['ok', 'Database', 'connected (source.type: mssql); SQL Server 16.0.4135.4 Standard Edition (64-bit)'],
      ['ok', 'Database account', 'can only read'],
      ['ok', 'Database query', expect.stringMatching(/^ran on 1 number \(FA1\): 1 row, 1 with one path$/)],
    ]);
    expect(documents).toEqual([{ documentNumber: 'FA1', path: 'FA1.pdf' }]);
  });

  it('a login allowed to write (allowWriteAccess): one warning naming its rights, not the log\'s second copy', async () => {
    answer = answers([owner]);
    const { lines } = await check({ allowWriteAccess: true });
    const warned = lines.filter((l) => l.status === 'warn');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ title: 'Database account', found: 'it can change the database: the login "clearnox" has member of db_owner' });
    expect(warned[0]!.todo).toMatch(/SQL Server has no read-only transaction/);
  });

  it('a login that can write without allowWriteAccess is refused as a run refuses it (exit 2)', async () => {
    answer = answers([owner]);
    const { lines } = await check({});
    expect(lines).toEqual([expect.objectContaining({ status: 'fail', title: 'Database', kind: 'config', found: expect.stringMatching(/can change the database "BIJOU"/) })]);
  });
});
