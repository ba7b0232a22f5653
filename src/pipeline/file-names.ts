// File names inside an archive follow the contract (no folders, <= 180 characters, no control
// characters, no leading dot) and must be unique case-insensitively; they are derived from the
// document number, which may hold anything an accountant typed.
import { LIMITS, fileNameProblem } from '../clearnox/contract.js';

const EXTENSION = '.pdf';

export function safeBaseName(documentNumber: string): string {
  let name = documentNumber
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[/\\:*?"<>|]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (name === '') name = 'document';
  return name;
}

/** Hands out unique, contract-valid names within one archive. */
export class FileNamer {
  private readonly taken = new Set<string>();

  next(documentNumber: string): string {
    const base = safeBaseName(documentNumber);
    for (let n = 1; ; n++) {
      const suffix = n === 1 ? '' : `_${n}`;
      const room = LIMITS.fileNameLength - EXTENSION.length - suffix.length;
      const name = `${truncate(base, room)}${suffix}${EXTENSION}`;
      const folded = name.toLowerCase();
      if (!this.taken.has(folded) && fileNameProblem(name) === null) {
        this.taken.add(folded);
        return name;
      }
    }
  }
}

// By code points, so that an accented or emoji character is never cut in half.
function truncate(text: string, maxUnits: number): string {
  if (text.length <= maxUnits) return text;
  const points = [...text];
  while (points.join('').length > maxUnits) points.pop();
  return points.join('').trimEnd();
}
