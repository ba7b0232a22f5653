import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/server.js';
import { entries, entry, get, getToken, importAndWait, importZip, start } from './helpers.js';

const LIST = '/api/v1/entries/without-document';

let sb: SandboxHandle;
let token: string;
beforeEach(async () => {
  // Given out of id order on purpose: the list must be ordered by id regardless.
  const list = entries(25, (i) => ({
    companyCode: i % 2 === 0 ? 'ACME-FR' : 'ACME-DE',
    entryDate: `2024-03-${String(i + 1).padStart(2, '0')}`,
  })).reverse();
  sb = await start({ entries: list });
  token = await getToken(sb.url);
});
afterEach(() => sb.close());

const ids = (body: { data: Array<{ id: string }> }) => body.data.map((e) => e.id);

describe('GET /api/v1/entries/without-document', () => {
  it('pages through the entries ordered by id, defaulting to page 1 of 100', async () => {
    const all = await get(sb.url, token, LIST);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ page: 1, pageSize: 100, totalItems: 25, totalPages: 1 });
    expect(ids(all.body)).toEqual(entries(25).map((e) => e.id));

    const third = await get(sb.url, token, `${LIST}?page=3&pageSize=10`);
    expect(third.body).toMatchObject({ page: 3, pageSize: 10, totalItems: 25, totalPages: 3 });
    expect(ids(third.body)).toEqual(['ent_021', 'ent_022', 'ent_023', 'ent_024', 'ent_025']);

    const beyond = await get(sb.url, token, `${LIST}?page=4&pageSize=10`);
    expect(beyond.status).toBe(200);
    expect(beyond.body.data).toEqual([]);
  });

  it('returns the entry fields of the contract, nulls included', async () => {
    await sb.close();
    const e = entry('ent_x', { companyCode: undefined as never, dueDate: '2024-04-01' });
    sb = await start({ entries: [e] });
    const res = await get(sb.url, await getToken(sb.url), LIST);
    expect(res.body.data[0]).toEqual({ ...e, companyCode: null });
  });

  it('accepts the pageSize bounds 1 and 1000', async () => {
    for (const pageSize of [1, 1000]) {
      const res = await get(sb.url, token, `${LIST}?pageSize=${pageSize}`);
      expect(res.status).toBe(200);
      expect(res.body.pageSize).toBe(pageSize);
      expect(res.body.data).toHaveLength(Math.min(pageSize, 25));
    }
  });

  it.each([
    'page=0',
    'page=-1',
    'page=1.5',
    'page=abc',
    'page=',
    'pageSize=0',
    'pageSize=1001',
    'pageSize=10&pageSize=20',
    'dateFrom=2024-3-1',
    'dateFrom=2024-02-30',
    'dateTo=01/03/2024',
    'dateTo=2024-03-01T00:00:00Z',
    'companyCode=',
  ])('answers 400 INVALID_PARAMETER to %s', async (query) => {
    const res = await get(sb.url, token, `${LIST}?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'INVALID_PARAMETER', message: expect.any(String) } });
  });

  it('filters by companyCode and by an inclusive date range', async () => {
    const de = await get(sb.url, token, `${LIST}?companyCode=ACME-DE`);
    expect(de.body.totalItems).toBe(12);
    expect(de.body.data.every((e: { companyCode: string }) => e.companyCode === 'ACME-DE')).toBe(true);

    const range = await get(sb.url, token, `${LIST}?dateFrom=2024-03-05&dateTo=2024-03-07`);
    expect(ids(range.body)).toEqual(['ent_005', 'ent_006', 'ent_007']);

    const both = await get(sb.url, token, `${LIST}?companyCode=ACME-FR&dateFrom=2024-03-05&dateTo=2024-03-07`);
    expect(ids(both.body)).toEqual(['ent_005', 'ent_007']);

    const none = await get(sb.url, token, `${LIST}?companyCode=NOPE`);
    expect(none.body).toMatchObject({ data: [], totalItems: 0, totalPages: 0 });
  });

  it('is live: an entry leaves the list once a document is attached, and the pages shift', async () => {
    const page2Before = await get(sb.url, token, `${LIST}?page=2&pageSize=10`);
    expect(ids(page2Before.body)[0]).toBe('ent_011');

    const result = await importAndWait(
      sb.url,
      token,
      await importZip([{ fileName: 'a.pdf', entryIds: ['ent_001', 'ent_002'] }]),
    );
    expect(result.body.documents[0].status).toBe('attached');
    sb.control.attachOutOfBand('ent_003');

    const page2After = await get(sb.url, token, `${LIST}?page=2&pageSize=10`);
    expect(page2After.body.totalItems).toBe(22);
    expect(ids(page2After.body)[0]).toBe('ent_014');
    expect(ids((await get(sb.url, token, LIST)).body)).not.toContain('ent_003');
  });

  it('shows entries added while running', async () => {
    sb.control.addEntries([entry('ent_000')]);
    const res = await get(sb.url, token, `${LIST}?pageSize=1`);
    expect(ids(res.body)).toEqual(['ent_000']);
    expect(res.body.totalItems).toBe(26);
    expect(() => sb.control.addEntries([entry('ent_000')])).toThrow(/twice/);
  });
});
