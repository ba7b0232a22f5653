// Where an archive's bytes are assembled: archiver writing a stored (uncompressed) zip to a file,
// with the archive's SHA-256 computed on the way to disk. The same sink runs in this thread or
// in the packing worker (pack-worker.ts), which spares the event loop the zip framing, the CRC of
// every byte, the hash and the writes.
import archiver from 'archiver';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable } from 'node:stream';

// A fixed entry date makes the same documents give the same bytes, hence the same
// Idempotency-Key when an archive is sent again.
const ENTRY_DATE = new Date('2020-01-01T00:00:00Z');

/** A document's own stream failed while it was being written: the archive holding it is broken. */
export class StreamFailure extends Error {
  override readonly name = 'StreamFailure';
  constructor(readonly error: unknown) {
    super('document stream failed');
  }
}

/** Told by its name, not its class: a sink from another copy of this module (a bundle, dist/) throws its own. */
export function isStreamFailure(e: unknown): e is StreamFailure {
  return e instanceof Error && e.name === 'StreamFailure';
}

export interface ArchiveSink {
  /** Adds one document; resolves once all of it is in the archive, rejects with StreamFailure if its stream fails. */
  add(name: string, stream: Readable): Promise<void>;
  /** Adds metadata.json last and closes the file. */
  finish(metadata: Buffer | null): Promise<{ bytes: number; sha256: string }>;
  /** Stops writing; the caller removes the file. */
  abort(): void;
}

export function archiverSink(file: string): ArchiveSink {
  const archive = archiver('zip', { store: true });
  const output = createWriteStream(file);
  const hash = createHash('sha256');
  let bytes = 0;
  archive.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  let failure: unknown = null;
  const failed = new Promise<never>((_, reject) => {
    archive.on('error', (e) => reject((failure ??= e)));
    output.on('error', (e) => reject((failure ??= e)));
  });
  failed.catch(() => {});
  archive.pipe(output);
  return {
    async add(name, stream) {
      let streamError: unknown;
      const streamFailed = new Promise<never>((_, reject) => {
        stream.once('error', (error) => {
          streamError = error;
          reject(new StreamFailure(error));
        });
      });
      archive.append(stream, { name, date: ENTRY_DATE });
      try {
        await Promise.race([once(archive, 'entry'), streamFailed, failed]);
      } catch (e) {
        // The archive may report the failure before the document's own stream does.
        if (streamError !== undefined) throw new StreamFailure(streamError);
        throw e;
      }
    },
    async finish(metadata) {
      if (metadata) archive.append(metadata, { name: 'metadata.json', date: ENTRY_DATE });
      // finalize() resolves before the file is fully written; the output's close is the end.
      const closed = once(output, 'close');
      await Promise.race([archive.finalize(), failed]);
      await Promise.race([closed, failed]);
      return { bytes, sha256: hash.digest('hex') };
    },
    abort() {
      archive.abort();
      output.destroy();
    },
  };
}
