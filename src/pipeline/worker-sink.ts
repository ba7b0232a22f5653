// The run's side of the packing worker: an ArchiveSink whose bytes go to pack-worker.ts. The
// documents are still read here, by the store the run opened; only their bytes cross, about 1 MiB
// ahead of what the worker has taken, so memory stays bounded.
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { getAsset } from 'node:sea';
import { Worker } from 'node:worker_threads';
import { isExecutable } from '../install.js';
import { CHUNKS_IN_FLIGHT, type FromWorker, type ToWorker } from './pack-protocol.js';
import type { SinkFactory } from './pack.js';
import { StreamFailure, type ArchiveSink } from './zip-sink.js';

/** The name under which the executable carries the worker's bundled code (scripts/package.ts). */
export const PACK_WORKER_ASSET = 'pack-worker.cjs';

export interface PackingWorker {
  sink: SinkFactory;
  close(): Promise<void>;
}

export function startPackingWorker(): PackingWorker {
  const worker = createWorker();
  // A worker that cannot start or dies fails the archive in progress; the run reports it.
  let dead: Error | null = null;
  const waiters = new Set<(m: FromWorker | Error) => void>();
  worker.on('message', (m: FromWorker) => {
    for (const w of [...waiters]) w(m);
  });
  const die = (e: Error) => {
    dead ??= e;
    for (const w of [...waiters]) w(dead);
  };
  worker.on('error', die);
  worker.on('exit', (code) => die(new Error(`the packing worker stopped (exit code ${code})`)));

  const send = (m: ToWorker) => {
    if (dead) throw dead;
    worker.postMessage(m);
  };
  /** The next message of one of `kinds` (acks are counted by the caller's own waiter). */
  const next = <K extends FromWorker['t']>(kinds: K[]): Promise<Extract<FromWorker, { t: K }>> =>
    new Promise((resolve, reject) => {
      if (dead) return reject(dead);
      const w = (m: FromWorker | Error) => {
        if (m instanceof Error) {
          waiters.delete(w);
          reject(m);
        } else if ((kinds as string[]).includes(m.t)) {
          waiters.delete(w);
          resolve(m as Extract<FromWorker, { t: K }>);
        }
      };
      waiters.add(w);
    });

  const sink = (file: string): ArchiveSink => {
    send({ t: 'open', file });
    return {
      async add(name: string, stream: Readable) {
        const added = next(['added']);
        added.catch(() => {});
        send({ t: 'add', name });
        let unacked = 0;
        let freed: (() => void) | null = null;
        const onAck = (m: FromWorker | Error) => {
          if (m instanceof Error || m.t !== 'ack') return;
          unacked--;
          freed?.();
        };
        waiters.add(onAck);
        try {
          try {
            for await (const chunk of stream) {
              send({ t: 'chunk', data: chunk as Buffer });
              if (++unacked >= CHUNKS_IN_FLIGHT) {
                await Promise.race([new Promise<void>((r) => (freed = r)), added]);
                freed = null;
              }
            }
          } catch (error) {
            send({ t: 'fail' });
            await added.catch(() => undefined);
            throw new StreamFailure(error);
          }
          send({ t: 'end' });
          const result = await added;
          if (result.error) throw new Error(result.error);
          if (result.streamFailed) throw new StreamFailure(new Error('the document stream failed'));
        } finally {
          waiters.delete(onAck);
        }
      },
      async finish(metadata) {
        const finished = next(['finished', 'error']);
        send({ t: 'finish', metadata });
        const result = await finished;
        if (result.t === 'error') throw new Error(result.error);
        return { bytes: result.bytes, sha256: result.sha256 };
      },
      abort() {
        if (!dead) worker.postMessage({ t: 'abort' } satisfies ToWorker);
      },
    };
  };

  return {
    sink,
    async close() {
      if (dead) return;
      const exited = once(worker, 'exit');
      await worker.terminate();
      await exited.catch(() => undefined);
    },
  };
}

// The worker holds little at a time (a chunk in flight, archiver's queue): a small young
// generation keeps its memory near that. Measured on a 2,000-document run: the process's peak
// RSS with the worker at 2 MiB equals the run's without a worker; at V8's default it is 10-30 MiB more.
const WORKER_LIMITS = { resourceLimits: { maxYoungGenerationSizeMb: 2 } };

function createWorker(): Worker {
  if (isExecutable()) {
    // Inside the single executable there is no file to start a worker from: its code is an asset.
    return new Worker(getAsset(PACK_WORKER_ASSET, 'utf8'), { eval: true, ...WORKER_LIMITS });
  }
  return new Worker(workerFile(), WORKER_LIMITS);
}

// Beside this module once compiled. Run from the TypeScript sources (the tests), a worker cannot
// start from a .ts file: the compiled one in dist/ is the same code.
function workerFile(): URL {
  const here = new URL(import.meta.url);
  if (!here.pathname.endsWith('.ts')) return new URL('./pack-worker.js', here);
  return new URL('../../dist/src/pipeline/pack-worker.js', here);
}
