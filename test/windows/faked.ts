// The case tables of cases.ts as vitest tests on this machine, with the platform faked: each unit
// test file of the module under test runs its own (the real run is win32-under-wine.test.ts).
import { expect, it } from 'vitest';
import { pathCases, type PathCase } from './cases.js';
import { difference } from './compare.js';

export function itOnFakedWindows(of: PathCase['of']): void {
  for (const c of pathCases.filter((x) => x.of === of)) {
    it(`on Windows (faked): ${c.name}`, async () => {
      expect(difference(await c.run({ platform: 'win32', faked: true }), c.expected)).toBeNull();
    });
  }
}
