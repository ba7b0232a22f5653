// Promise wrapper around yauzl that lists every entry with its name as written in the archive.
// yauzl's own name decoding refuses the whole archive on a name such as "../a.pdf" or "a\b.pdf";
// the contract instead rejects only the document naming it (INVALID_FILE_NAME), so names are
// decoded here without that validation.
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

export interface ZipItem {
  /** The name as stored (UTF-8 or CP437 per the entry's flag), backslashes kept. */
  name: string;
  isDirectory: boolean;
  uncompressedSize: number;
  entry: yauzl.Entry;
}

export interface OpenedZip {
  items: ZipItem[];
  /** More entries than `maxItems`: listing stopped there. */
  truncated: boolean;
  read(item: ZipItem): Promise<Readable>;
  close(): void;
}

// yauzl 3 exports this, the installed type definitions (written for yauzl 2) do not.
const getFileNameLowLevel = (
  yauzl as unknown as {
    getFileNameLowLevel(flags: number, raw: Buffer, extraFields: unknown[], strictFileNames: boolean): string;
  }
).getFileNameLowLevel;

export function openZip(path: string, maxItems: number): Promise<OpenedZip> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (err, zip) => {
      if (err) return reject(err);
      const items: ZipItem[] = [];
      let done = false;
      const end = (truncated: boolean): void => {
        if (done) return;
        done = true;
        resolve({
          items,
          truncated,
          read: (item) =>
            new Promise<Readable>((ok, fail) => zip.openReadStream(item.entry, (e, stream) => (e ? fail(e) : ok(stream)))),
          close: () => zip.close(),
        });
      };
      zip.on('error', (e: Error) => {
        if (done) return;
        done = true;
        zip.close();
        reject(e);
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        // With decodeStrings off, fileName holds the raw bytes.
        const raw = entry.fileName as unknown as Buffer;
        const name = getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
        items.push({ name, isDirectory: name.endsWith('/'), uncompressedSize: entry.uncompressedSize, entry });
        if (items.length > maxItems) return end(true);
        zip.readEntry();
      });
      zip.on('end', () => end(false));
      zip.readEntry();
    });
  });
}

/** Reads a whole entry, refusing more than `max` bytes. */
export async function readAll(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      stream.destroy();
      throw new Error(`entry over ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
