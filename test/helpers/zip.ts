import yauzl from 'yauzl';

export interface ZipEntryRead {
  name: string;
  utf8Flag: boolean;
  compressionMethod: number;
  data: Buffer;
}

/** Reads a whole (small, test) zip back with an independent reader. */
export function readZip(file: string): Promise<ZipEntryRead[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, decodeStrings: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: ZipEntryRead[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            out.push({
              name: entry.fileName,
              utf8Flag: (entry.generalPurposeBitFlag & 0x800) !== 0,
              compressionMethod: entry.compressionMethod,
              data: Buffer.concat(chunks),
            });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
