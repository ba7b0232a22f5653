// source.withheldColumn: the column whose text says why the ERP withholds a document.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../src/mapping/load.js';
import { ADAPTERS, edit, ENV, problemsOf } from './fixtures.js';

const FILE = path.resolve('mappings-under-test', 'mapping.yaml');
const parse = (text: string) => parseMapping(text, FILE, ADAPTERS, { env: ENV });

describe('source.withheldColumn', () => {
  it('is read as written, and absent unless given', async () => {
    expect((await parse(edit({}, { source: ['withheldColumn: withheld'] }))).mapping.source.withheldColumn).toBe('withheld');
    expect((await parse(edit({}))).mapping.source.withheldColumn).toBeUndefined();
  });

  it('refuses an empty name', async () => {
    const err = await problemsOf(parse(edit({}, { source: ["withheldColumn: ''"] })));
    expect(err.problems).toEqual([expect.objectContaining({ path: 'source.withheldColumn' })]);
  });

  it('with a table query, must be one of its columns', async () => {
    const table = ['query:', '  table: dbo.OINV', '  columns:', '    documentNumber: DocNum', '    file: AtcPath'];
    const missing = edit({ 'source.query': null }, { source: [...table, 'withheldColumn: cancelled'] });
    const err = await problemsOf(parse(missing));
    expect(err.problems).toEqual([expect.objectContaining({ path: 'source.query.columns', message: expect.stringContaining('withheldColumn') })]);
    const named = edit({ 'source.query': null }, { source: [...table, '    cancelled: CANCELED', 'withheldColumn: cancelled'] });
    expect((await parse(named)).mapping.source.withheldColumn).toBe('cancelled');
  });
});
