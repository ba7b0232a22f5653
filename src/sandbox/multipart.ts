// Receives the `file` part of an import request straight to a temporary file, hashing it on the
// way, so an archive of up to 100 MiB never sits in memory.
import busboy from 'busboy';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ApiErrorCode } from '../clearnox/contract.js';

export interface ReceivedArchive {
  ok: true;
  path: string;
  size: number;
  sha256: string;
}

export interface Refusal {
  ok: false;
  status: number;
  code: ApiErrorCode;
  message: string;
}

export type ReceiveResult = ReceivedArchive | Refusal;

const ZIP_MEDIA_TYPE = 'application/zip';

/**
 * Bytes of an over-limit or refused upload that are still read and thrown away after the answer,
 * so that the client, still sending, reads the 413/400 instead of a connection reset. Past this,
 * the socket is destroyed: the limit exists so that the server stops reading.
 */
export const DISCARD_CAP_BYTES = 4 * 1024 * 1024;

export function refusal(status: number, code: ApiErrorCode, message: string): Refusal {
  return { ok: false, status, code, message };
}

export function receiveArchive(req: IncomingMessage, options: { dir: string; maxBytes: number }): Promise<ReceiveResult> {
  return new Promise<ReceiveResult>((resolve) => {
    let settled = false;
    let tempPath: string | null = null;
    let writing: Promise<{ size: number; sha256: string }> | null = null;

    const finish = (result: ReceiveResult): void => {
      if (settled) return;
      settled = true;
      if (!result.ok) {
        req.unpipe(parser);
        discardRest(req);
        const path = tempPath;
        // Wait for the write stream to let go of the file, or it could be created again after rm.
        if (path) {
          void (writing ?? Promise.resolve())
            .catch(() => undefined)
            .then(() => rm(path, { force: true }))
            .catch(() => undefined);
        }
      }
      resolve(result);
    };

    let parser: busboy.Busboy;
    try {
      // fileSize is maxBytes + 1: busboy reports 'limit' on reaching the limit, and an archive of
      // exactly maxBytes is allowed.
      parser = busboy({ headers: req.headers, limits: { fileSize: options.maxBytes + 1, fieldSize: 64 * 1024 } });
    } catch (err) {
      discardRest(req);
      resolve(refusal(400, 'INVALID_PARAMETER', `the body must be multipart/form-data with a boundary (${(err as Error).message})`));
      return;
    }

    parser.on('file', (name, stream, info) => {
      if (settled) return void stream.resume();
      if (name !== 'file' || writing) {
        stream.resume();
        return finish(refusal(400, 'INVALID_PARAMETER', `unexpected part "${name}": the body holds one part, named "file"`));
      }
      if (info.mimeType.toLowerCase() !== ZIP_MEDIA_TYPE) {
        stream.resume();
        return finish(refusal(400, 'INVALID_PARAMETER', `the part "file" must have Content-Type ${ZIP_MEDIA_TYPE}, not ${info.mimeType}`));
      }
      stream.on('limit', () => {
        finish(refusal(413, 'ARCHIVE_TOO_LARGE', `the archive is over ${options.maxBytes} bytes`));
        stream.destroy();
      });
      const path = join(options.dir, `upload-${randomBytes(8).toString('hex')}.zip`);
      tempPath = path;
      const hash = createHash('sha256');
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      writing = pipeline(stream, tap, createWriteStream(path)).then(() => ({ size, sha256: hash.digest('hex') }));
      // A failure here is reported when the parser closes (or was already answered); never unhandled.
      writing.catch(() => undefined);
    });

    parser.on('field', (name) => {
      if (name === 'file') {
        return finish(
          refusal(400, 'INVALID_PARAMETER', 'the part "file" arrived as a plain field: give it a filename in Content-Disposition and Content-Type application/zip'),
        );
      }
      finish(refusal(400, 'INVALID_PARAMETER', `unexpected field "${name}": the body holds one part, named "file"`));
    });

    parser.on('error', (err: Error) => {
      finish(refusal(400, 'INVALID_PARAMETER', `unreadable multipart body: ${err.message}`));
    });

    parser.on('close', () => {
      if (settled) return;
      if (!writing) return finish(refusal(400, 'INVALID_PARAMETER', 'the body has no part named "file"'));
      writing.then(
        ({ size, sha256 }) => finish({ ok: true, path: tempPath!, size, sha256 }),
        (err: Error) => finish(refusal(400, 'INVALID_PARAMETER', `could not receive the archive: ${err.message}`)),
      );
    });

    // A client that drops the connection mid-upload leaves nobody to answer; clean up only.
    req.on('close', () => {
      if (!req.complete) finish(refusal(400, 'INVALID_PARAMETER', 'upload aborted'));
    });

    req.pipe(parser);
  });
}

/** Reads and drops what is left of a refused request, then gives up on the socket past the cap. */
const discarding = new WeakSet<IncomingMessage>();

export function discardRest(req: IncomingMessage): void {
  if (req.complete || discarding.has(req)) return;
  discarding.add(req);
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_CAP_BYTES) req.socket.destroy();
  });
  req.resume();
}
