// A path comes from the customer's database or a template over it, so it is untrusted: it is
// reduced to plain segments under the store root before any store sees it. Windows and POSIX
// spellings are both accepted because ERP paths are often written on Windows and read elsewhere.
import { DocumentError } from '../types.js';

export function storeSegments(raw: string): string[] {
  if (raw.includes('\0')) throw outside(raw, 'it contains a NUL character');
  const value = raw.trim();
  if (value.length === 0) throw new DocumentError('not_found', 'the path is empty');
  if (/^[a-zA-Z]:/.test(value)) throw outside(raw, 'it starts with a drive letter');
  if (/^[\\/]{2}/.test(value)) throw outside(raw, 'it is a UNC or network path');
  if (/^[\\/]/.test(value)) throw outside(raw, 'it is an absolute path');
  const segments: string[] = [];
  for (const part of value.split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw outside(raw, 'it climbs out with ".."');
    // On Windows, "a:b" names an alternate data stream and "COM1" a device; neither is a PDF.
    if (part.includes(':')) throw outside(raw, 'a segment holds ":"');
    segments.push(part);
  }
  if (segments.length === 0) throw new DocumentError('not_found', `the path "${raw}" names no file`);
  return segments;
}

function outside(raw: string, why: string): DocumentError {
  return new DocumentError('outside_root', `the path "${raw}" is refused because ${why}; paths must stay under the store root`);
}
