import { describe, expect, it } from 'vitest';
import { entryCost, planArchives } from '../../src/pipeline/plan-archives.js';

const doc = (i: number, size: number) => ({ fileName: `FA-${i}.pdf`, size });

describe('planArchives', () => {
  it('cuts by document count', () => {
    const plan = planArchives(Array.from({ length: 25 }, (_, i) => doc(i, 10)), { maxBytes: 1e9, maxDocuments: 10 }, () => 0);
    expect(plan.map((a) => a.length)).toEqual([10, 10, 5]);
  });

  it('cuts by size, counting headers and metadata, and never exceeds the limit', () => {
    const docs = Array.from({ length: 30 }, (_, i) => doc(i, 1000 + i * 37));
    const maxBytes = 8000;
    const meta = () => 120;
    const plan = planArchives(docs, { maxBytes, maxDocuments: 1000 }, meta);
    expect(plan.flat()).toEqual(docs);
    for (const archive of plan) {
      const bytes = 1024 + archive.reduce((n, d) => n + entryCost(d) + meta(), 0);
      expect(bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(plan.length).toBeGreaterThan(3);
  });

  it('keeps order and puts a document alone when it is bigger than the limit', () => {
    const plan = planArchives([doc(1, 10), doc(2, 50_000), doc(3, 10)], { maxBytes: 10_000, maxDocuments: 10 }, () => 0);
    expect(plan.map((a) => a.map((d) => d.fileName))).toEqual([['FA-1.pdf'], ['FA-2.pdf'], ['FA-3.pdf']]);
  });

  it('plans nothing for nothing', () => {
    expect(planArchives([], { maxBytes: 100, maxDocuments: 1 }, () => 0)).toEqual([]);
  });
});
