// Resolves N missing entries against a server database in a process of its own, so that its
// peak memory is the look-up's alone: the adapter as `run` opens it, grouping, batches, matching.
import { builtinAdapters } from '../../adapters/index.js';
import type { Entry } from '../../src/clearnox/contract.js';
import { silentLogger } from '../../src/log.js';
import { MatchSectionSchema, type SourceSection } from '../../src/mapping/schema.js';
import { makeNormaliser } from '../../src/match/normalise.js';
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

const list = [...entries()];
// What the run holds anyway once Clearnox has listed the entries; the look-up's cost is above it.
const heldMiB = process.memoryUsage().rss / 2 ** 20;
const started = process.hrtime.bigint();
const normalise = makeNormaliser(MatchSectionSchema.parse({}));
const result = await lookupByCompany({ section, adapter, entries: list, normalise, ctx: { baseDir: process.cwd(), log: silentLogger }, stage: (_n, work) => work() });
const lookupMs = Number(process.hrtime.bigint() - started) / 1e6;
reportResult({ found: result.found.size, lookupMs, heldMiB });
