import { describe, expect, it } from 'vitest';
import { cutArchives, entryCost, type ArchiveLimits, type Plannable } from '../../src/pipeline/plan-archives.js';

const doc = (i: number, size: number) => ({ fileName: `FA-${i}.pdf`, size });

/** The archives cutArchives hands on, as documents arrive one by one. */
async function planArchives<T extends Plannable>(docs: T[], limits: ArchiveLimits, meta: (d: T) => number, onPlanned?: (documents: number, archives: number) => void): Promise<T[][]> {
  async function* arriving() {
    yield* docs;
  }
  const out: T[][] = [];
  for await (const archive of cutArchives(arriving(), limits, meta, onPlanned)) out.push(archive);
  return out;
}

describe('cutArchives', () => {
  it('cuts by document count', async () => {
    const plan = await planArchives(Array.from({ length: 25 }, (_, i) => doc(i, 10)), { maxBytes: 1e9, maxDocuments: 10 }, () => 0);
    expect(plan.map((a) => a.length)).toEqual([10, 10, 5]);
  });

  it('cuts by size, counting headers and metadata, and never exceeds the limit', async () => {
    const docs = Array.from({ length: 30 }, (_, i) => doc(i, 1000 + i * 37));
    const maxBytes = 8000;
    const meta = () => 120;
    const plan = await planArchives(docs, { maxBytes, maxDocuments: 1000 }, meta);
    expect(plan.flat()).toEqual(docs);
    for (const archive of plan) {
      const bytes = 1024 + archive.reduce((n, d) => n + entryCost(d) + meta(), 0);
      expect(bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(plan.length).toBeGreaterThan(3);
  });

  it('keeps order and puts a document alone when it is bigger than the limit', async () => {
    const plan = await planArchives([doc(1, 10), doc(2, 50_000), doc(3, 10)], { maxBytes: 10_000, maxDocuments: 10 }, () => 0);
    expect(plan.map((a) => a.map((d) => d.fileName))).toEqual([['FA-1.pdf'], ['FA-2.pdf'], ['FA-3.pdf']]);
  });

  it('plans nothing for nothing', async () => {
    expect(await planArchives([], { maxBytes: 100, maxDocuments: 1 }, () => 0)).toEqual([]);
  });

  it('tells the totals once the last document has arrived, before handing on the last archive', async () => {
    const told: string[] = [];
    async function* arriving() {
      for (let i = 0; i < 25; i++) yield doc(i, 10);
    }
    for await (const archive of cutArchives(arriving(), { maxBytes: 1e9, maxDocuments: 10 }, () => 0, (d, a) => told.push(`${d} in ${a}`))) {
      told.push(`archive of ${archive.length}`);
    }
    expect(told).toEqual(['archive of 10', 'archive of 10', '25 in 3', 'archive of 5']);
  });
});
