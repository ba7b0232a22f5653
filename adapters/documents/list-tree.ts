// The folder walk behind documents.index, the same for every store: a folder is read, its files
// handed on at once, its sub-folders visited after. Links and special files the store shows as
// such are never followed, so a scan of them cannot leave the root or loop; over SMB the file
// server resolves links itself and shows none (the SMB store guards its listing against loops).
import type { ListedFile } from '../types.js';

export interface TreeEntry {
  name: string;
  kind: 'file' | 'dir' | 'other';
}

export async function* walkTree(
  start: string[],
  readDir: (segments: string[]) => AsyncIterable<TreeEntry>,
): AsyncIterable<ListedFile> {
  const pending: string[][] = [start];
  while (pending.length > 0) {
    const segments = pending.pop()!;
    const subfolders: string[][] = [];
    for await (const entry of readDir(segments)) {
      if (entry.kind === 'file') yield { path: [...segments, entry.name].join('/') };
      else if (entry.kind === 'dir') subfolders.push([...segments, entry.name]);
    }
    // Reversed so that pop() visits them in the order they were listed.
    pending.push(...subfolders.reverse());
  }
}
