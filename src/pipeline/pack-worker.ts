// The packing worker: the archiver sink of zip-sink.ts, fed through messages from the run's
// thread, one archive at a time, so that the zip framing, the CRC of every byte, the SHA-256 and
// the writes to disk use the second core while the run reads documents and uploads.
import { PassThrough } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './pack-protocol.js';
import { archiverSink, isStreamFailure, type ArchiveSink } from './zip-sink.js';

const port = parentPort;
if (!port) throw new Error('pack-worker.js runs as a worker thread only');
const reply = (m: FromWorker) => port.postMessage(m);
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

let sink: ArchiveSink | null = null;
let entry: PassThrough | null = null;

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'open':
      sink = archiverSink(m.file);
      return;
    case 'add': {
      const stream = new PassThrough({ highWaterMark: 256 * 1024 });
      entry = stream;
      // Only the archive's failure ends an entry early: the failed document's own bytes are not read on.
      stream.on('error', () => undefined);
      sink!.add(m.name, stream).then(
        () => reply({ t: 'added' }),
        (e: unknown) => reply(isStreamFailure(e) ? { t: 'added', streamFailed: true } : { t: 'added', error: messageOf(e) }),
      );
      return;
    }
    case 'chunk': {
      const stream = entry;
      // The entry already ended in failure: the run learns it from 'added'.
      if (!stream || stream.destroyed) return reply({ t: 'ack' });
      if (stream.write(m.data)) reply({ t: 'ack' });
      else stream.once('drain', () => reply({ t: 'ack' }));
      return;
    }
    case 'end':
      entry?.end();
      entry = null;
      return;
    case 'fail':
      entry?.destroy(new Error('the document could not be read to its end'));
      entry = null;
      return;
    case 'finish':
      sink!.finish(m.metadata ? Buffer.from(m.metadata) : null).then(
        (done) => reply({ t: 'finished', ...done }),
        (e: unknown) => reply({ t: 'error', error: messageOf(e) }),
      );
      sink = null;
      return;
    case 'abort':
      entry?.destroy();
      entry = null;
      sink?.abort();
      sink = null;
      return;
  }
});
