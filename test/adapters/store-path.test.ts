import { describe, expect, it } from 'vitest';
import { storeSegments } from '../../adapters/documents/store-path.js';
import { DocumentError } from '../../adapters/types.js';

function refused(p: string): string {
  try {
    storeSegments(p);
  } catch (e) {
    expect(e).toBeInstanceOf(DocumentError);
    return (e as DocumentError).kind;
  }
  throw new Error(`"${p}" was accepted`);
}

describe('storeSegments', () => {
  it('accepts Windows and POSIX spellings of a relative path', () => {
    expect(storeSegments('2024\\03\\FA-1.pdf')).toEqual(['2024', '03', 'FA-1.pdf']);
    expect(storeSegments('2024/03//FA-1.pdf')).toEqual(['2024', '03', 'FA-1.pdf']);
    expect(storeSegments('./2024/./FA 1 é.pdf')).toEqual(['2024', 'FA 1 é.pdf']);
  });

  it.each([
    '../secret.pdf',
    '2024/../../etc/passwd',
    '2024\\..\\..\\boot.ini',
    '/etc/passwd',
    '\\Windows\\win.ini',
    'C:\\Windows\\win.ini',
    'c:relative.pdf',
    '\\\\server\\share\\x.pdf',
    '//server/share/x.pdf',
    'FA-1.pdf:stream',
    'FA\0.pdf',
  ])('refuses %j as leaving the root', (p) => {
    expect(refused(p)).toBe('outside_root');
  });

  it('tells an empty path apart', () => {
    expect(refused('  ')).toBe('not_found');
    expect(refused('./')).toBe('not_found');
  });
});
