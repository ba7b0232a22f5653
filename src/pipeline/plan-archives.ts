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

/** Cuts the documents into archives in their order; an archive is closed when the next would not fit. */
class ArchiveCutter<T extends Plannable> {
  private current: T[] = [];
  private bytes = ARCHIVE_OVERHEAD;

  constructor(
    private readonly limits: ArchiveLimits,
    private readonly metadataBytes: (doc: T) => number,
  ) {}

  /** Adds a document; returns the archive it closed, if it closed one. */
  add(doc: T): T[] | null {
    const cost = entryCost(doc) + this.metadataBytes(doc);
    const full = this.current.length >= this.limits.maxDocuments || this.bytes + cost > this.limits.maxBytes;
    let closed: T[] | null = null;
    if (this.current.length > 0 && full) {
      closed = this.current;
      this.current = [];
      this.bytes = ARCHIVE_OVERHEAD;
    }
    this.current.push(doc);
    this.bytes += cost;
    return closed;
  }

  /** The last archive, if any document is left. */
  flush(): T[] | null {
    const last = this.current.length > 0 ? this.current : null;
    this.current = [];
    this.bytes = ARCHIVE_OVERHEAD;
    return last;
  }
}

/**
 * Cuts the documents as they arrive: an archive is handed on as soon as it is full, while the
 * following documents are still being checked. `onPlanned` is told the totals once the last
 * document has arrived.
 */
export async function* cutArchives<T extends Plannable>(
  docs: AsyncIterable<T>,
  limits: ArchiveLimits,
  metadataBytes: (doc: T) => number,
  onPlanned?: (documents: number, archives: number) => void,
): AsyncGenerator<T[]> {
  const cutter = new ArchiveCutter(limits, metadataBytes);
  let documents = 0;
  let archives = 0;
  for await (const doc of docs) {
    documents++;
    const closed = cutter.add(doc);
    if (closed) {
      archives++;
      yield closed;
    }
  }
  const last = cutter.flush();
  if (last) archives++;
  onPlanned?.(documents, archives);
  if (last) yield last;
}
