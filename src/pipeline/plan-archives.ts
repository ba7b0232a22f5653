// Archives are cut by count and by size, with room kept for the zip headers and metadata.json,
// so that no archive is refused with ARCHIVE_TOO_LARGE.
export interface Plannable {
  size: number;
  fileName: string;
}

export interface ArchiveLimits {
  maxBytes: number;
  maxDocuments: number;
}

// Local header + central directory record + data descriptor, with zip64 extras, per entry.
const PER_ENTRY_OVERHEAD = 200;
const ARCHIVE_OVERHEAD = 1024;

export function entryCost(doc: Plannable): number {
  // The name is written twice (local header and central directory) and once in metadata.json
  // with its entry ids, which are counted by the caller through `metadataBytes`.
  return doc.size + PER_ENTRY_OVERHEAD + 2 * Buffer.byteLength(doc.fileName);
}

export function planArchives<T extends Plannable>(
  docs: T[],
  limits: ArchiveLimits,
  metadataBytes: (doc: T) => number,
): T[][] {
  const archives: T[][] = [];
  let current: T[] = [];
  let bytes = ARCHIVE_OVERHEAD;
  for (const doc of docs) {
    const cost = entryCost(doc) + metadataBytes(doc);
    const full = current.length >= limits.maxDocuments || bytes + cost > limits.maxBytes;
    if (current.length > 0 && full) {
      archives.push(current);
      current = [];
      bytes = ARCHIVE_OVERHEAD;
    }
    current.push(doc);
    bytes += cost;
  }
  if (current.length > 0) archives.push(current);
  return archives;
}
