// Clearnox holds the number as the connector read it from the ledger, the ERP as it printed it;
// the two spellings drift (case, spaces, padding, prefixes). Both sides go through the same
// function so that a rule can never apply to one side only.
import type { MatchSection } from '../mapping/schema.js';

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
    if (rules.removeInnerSpaces) value = value.replace(/\s+/gu, '');
    if (rules.ignoreCase) value = value.toUpperCase();
    if (rules.ignoreLeadingZeros) value = value.replace(/(^|\D)0+(?=\d)/gu, '$1');
    return value;
  };
}
