// The README's first command ends in this: the demo must attach every attachable entry once,
// explain the rest, send nothing on its second run, and work again in the same folder.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run-demo.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('demo', () => {
  it('attaches every attachable entry exactly once and sends nothing the second time, run after run', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-demo-'));
    dirs.push(dir);
    for (const attempt of [1, 2]) {
      const lines: string[] = [];
      const ok = await runDemo(dir, (l) => lines.push(l));
      const out = lines.join('\n');
      expect(ok, out).toBe(true);
      expect(out).toContain('CLEARNOX SANDBOX');
      expect(out).toMatch(/Demo OK/);

      const run1 = JSON.parse(await readFile(path.join(dir, 'report-run1.json'), 'utf8'));
      const run2 = JSON.parse(await readFile(path.join(dir, 'report-run2.json'), 'utf8'));
      expect(run1.counts).toMatchObject({ missingEntries: 120, entriesAttached: 112, fileMissing: 1, invalidDocument: 1 });
      expect(run2.counts).toMatchObject({ missingEntries: 8, entriesAttached: 0, uploadedArchives: 0 });
      const reasons = Object.fromEntries(run1.entries.map((e: { entryId: string; outcome: string }) => [e.entryId, e.outcome]));
      expect(reasons.ent_000396, `attempt ${attempt}`).toBe('file_missing');
      expect(reasons.ent_000544).toBe('invalid_document');
      // The demo's secret is a real reference in the mapping file, and never reaches a report.
      expect(JSON.stringify(run1)).not.toContain('demo-secret-not-for-production');
    }
  });
});
