import { describe, expect, it } from 'vitest';
import { MatchSectionSchema } from '../../src/mapping/schema.js';
import { makeNormaliser } from '../../src/match/normalise.js';
import { groupEntries, spellingsOf } from '../../src/match/groups.js';
import { entry } from '../helpers/entries.js';

const rules = (over: object = {}) => MatchSectionSchema.parse(over);

describe('makeNormaliser', () => {
  it('applies the defaults: trim, inner spaces, case', () => {
    const n = makeNormaliser(rules());
    expect(n('  fa-2024 00017 ')).toBe('FA-202400017');
    expect(n('FA-2024-00017')).toBe('FA-2024-00017');
  });

  it('keeps case and spaces when told to', () => {
    const n = makeNormaliser(rules({ ignoreCase: false, removeInnerSpaces: false, trim: false }));
    expect(n(' fa 1 ')).toBe(' fa 1 ');
  });

  it('drops leading zeros of every digit run, keeping a lone zero', () => {
    const n = makeNormaliser(rules({ ignoreLeadingZeros: true }));
    expect(n('FA-000123')).toBe('FA-123');
    expect(n('00042')).toBe('42');
    expect(n('2024-0007')).toBe('2024-7');
    expect(n('FA-0')).toBe('FA-0');
    expect(n('FA-000')).toBe('FA-0');
  });

  it('compares only the capture of the pattern, named or first group', () => {
    expect(makeNormaliser(rules({ pattern: '^(?:FA|FAC)-?(\\d+)$' }))('FAC-0012')).toBe('0012');
    expect(makeNormaliser(rules({ pattern: '(?<number>\\d+)$', ignoreLeadingZeros: true }))('Facture n° 000123')).toBe('123');
  });

  it('folds case and removes spaces exactly as toUpperCase and replace would, for every code point', () => {
    // The normaliser skips both calls when a test says nothing would change: the test must never
    // be wrong, whatever the alphabet.
    const fold = makeNormaliser(rules({ trim: false, removeInnerSpaces: false }));
    const squeeze = makeNormaliser(rules({ trim: false, ignoreCase: false }));
    const wrong: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const s = `A${String.fromCodePoint(cp)}1`;
      if (fold(s) !== s.toUpperCase() || squeeze(s) !== s.replace(/\s+/gu, '')) wrong.push(cp.toString(16));
    }
    expect(wrong).toEqual([]);
    expect(fold('straße é ǆ')).toBe('STRASSE É Ǆ');
  });

  it('compares the whole number when the pattern does not match', () => {
    expect(makeNormaliser(rules({ pattern: '^FA(\\d+)$' }))('OD-77')).toBe('OD-77');
  });
});

describe('groupEntries', () => {
  it('puts entries whose numbers normalise alike under one document, keeping every spelling', () => {
    const n = makeNormaliser(rules());
    const groups = groupEntries(
      [entry('e1', 'FA-1'), entry('e2', 'fa-1'), entry('e3', 'FA-2'), entry('e4', 'FA -1')],
      n,
    );
    expect(groups).toHaveLength(2);
    expect(groups[0]!.entries.map((e) => e.id)).toEqual(['e1', 'e2', 'e4']);
    expect(spellingsOf(groups[0]!)).toEqual(['FA-1', 'fa-1', 'FA -1']);
    expect(groups[0]!.documentNumber).toBe('FA-1');
  });
});
