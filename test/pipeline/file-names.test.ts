import { describe, expect, it } from 'vitest';
import { fileNameProblem } from '../../src/clearnox/contract.js';
import { FileNamer, safeBaseName } from '../../src/pipeline/file-names.js';

describe('file names in an archive', () => {
  it('replaces what Windows and the contract refuse', () => {
    expect(safeBaseName('FA/2024\\17')).toBe('FA_2024_17');
    expect(safeBaseName('..FA..17')).toBe('FA.17');
    expect(safeBaseName('.hidden')).toBe('hidden');
    expect(safeBaseName('A:B*C?"<>|')).toBe('A_B_C_____');
    expect(safeBaseName('FA\u0001\u007f17')).toBe('FA17');
    expect(safeBaseName('   ')).toBe('document');
    expect(safeBaseName('Facture   n° 12')).toBe('Facture n° 12');
  });

  it('gives unique names, case-insensitively', () => {
    const namer = new FileNamer();
    expect(namer.next('FA-1')).toBe('FA-1.pdf');
    expect(namer.next('fa-1')).toBe('fa-1_2.pdf');
    expect(namer.next('FA/1')).toBe('FA_1.pdf');
    expect(namer.next('FA_1')).toBe('FA_1_2.pdf');
  });

  it('keeps every name within 180 characters without cutting a character in half', () => {
    const namer = new FileNamer();
    const long = 'é'.repeat(100) + '😀'.repeat(100);
    const names = [namer.next(long), namer.next(long), namer.next('x'.repeat(500))];
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(180);
      expect(fileNameProblem(name)).toBeNull();
      expect(name).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(3);
  });
});
