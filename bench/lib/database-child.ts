// Resolves N missing entries against a server database in a process of its own, so that its
// peak memory is the look-up's alone: the adapter as `run` opens it, grouping, batches, matching.
import { builtinAdapters } from '../../adapters/index.js';
import type { Entry } from '../../src/clearnox/contract.js';
import { silentLogger } from '../../src/log.js';
import { MatchSectionSchema, type SourceSection } from '../../src/mapping/schema.js';
import { makeNormaliser } from '../../src/match/normalise.js';
import { bindSources } from '../../src/mapping/bind.js';
import { lookupByCompany } from '../../src/pipeline/company-sources.js';
import { benchEntry } from './fixtures.js';
import { reportResult } from './measure.js';

const section = JSON.parse(process.env.BENCH_SOURCE!) as SourceSection;
const numbers = JSON.parse(process.env.BENCH_NUMBERS!) as { count: number; step: number; missingEvery: number };
const adapter = builtinAdapters().databases.find((a) => a.type === section.type)!;

function* entries(): Generator<Entry> {
  for (let i = 0; i < numbers.count; i++) {
    // Every missingEvery-th number is not in the ERP, as happens in real ledgers.
    const n = i % numbers.missingEvery === numbers.missingEvery - 1 ? 9_000_000 + i : 1 + i * numbers.step;
    yield benchEntry(i, `FA-${String(n).padStart(7, '0')}`);
  }
}

// Run with --expose-gc (databases.bench.ts): the heap is measured settled, before and after.
let gcMs = 0;
const settledHeap = () => {
  const started = performance.now();
  (globalThis as { gc?: () => void }).gc?.();
  gcMs += performance.now() - started;
  return process.memoryUsage().heapUsed;
};

const list = [...entries()];
// What the run holds anyway once Clearnox has listed the entries; the look-up's cost is above it.
const heapBefore = settledHeap();
const heldMiB = process.memoryUsage().rss / 2 ** 20;
const started = process.hrtime.bigint();
const normalise = makeNormaliser(MatchSectionSchema.parse({}));
// BENCH_LIVE: a second, untimed run that collects the garbage after every batch, so that the
// highest heap seen is what the look-up really holds at once, not what V8 left uncollected.
let liveMiB = 0;
const onBatch = process.env.BENCH_LIVE ? () => void (liveMiB = Math.max(liveMiB, (settledHeap() - heapBefore) / 2 ** 20)) : undefined;
const result = await lookupByCompany({ sources: bindSources(section, adapter), entries: list, normalise, ctx: { baseDir: process.cwd(), log: silentLogger }, stage: (_n, work) => work(), onBatch });
const lookupMs = Number(process.hrtime.bigint() - started) / 1e6;
// What the look-up hands on to the rest of the run (each number's group and path), garbage aside.
const keptMiB = (settledHeap() - heapBefore) / 2 ** 20;
reportResult({ found: result.found.size, lookupMs, heldMiB, keptMiB, gcMs, liveMiB });
