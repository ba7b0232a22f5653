// Clearnox holds the number as the connector read it from the ledger, the ERP as it printed it;
// the two spellings drift (case, spaces, padding, prefixes). Both sides go through the same
// function so that a rule can never apply to one side only.
import type { MatchSection } from '../mapping/schema.js';

const SPACE = /\s/u;
const CHANGES_WHEN_UPPERCASED = /\p{Changes_When_Uppercased}/u;

export type Normaliser = (documentNumber: string) => string;

export function makeNormaliser(rules: MatchSection): Normaliser {
  const pattern = rules.pattern ? new RegExp(rules.pattern, 'u') : null;
  return (raw) => {
    let value = rules.trim ? raw.trim() : raw;
    if (pattern) {
      const m = pattern.exec(value);
      // No match: the whole number is compared, so an unexpected format is not silently emptied.
      if (m) value = m.groups?.number ?? m[1] ?? m[0];
    }
    // Both calls would copy the string even when nothing changes, and a run normalises every
    // entry's number and every row's: a test first keeps the string as it is.
    if (rules.removeInnerSpaces && SPACE.test(value)) value = value.replace(/\s+/gu, '');
    if (rules.ignoreCase && CHANGES_WHEN_UPPERCASED.test(value)) value = value.toUpperCase();
    if (rules.ignoreLeadingZeros) value = value.replace(/(^|\D)0+(?=\d)/gu, '$1');
    return value;
  };
}
