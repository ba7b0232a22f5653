// Runs accepted imports after the configured delay, so that clients see `processing` and must
// poll, and keeps track of them so that close() leaves no timer or half-read archive behind.
import { rm } from 'node:fs/promises';
import type { Metadata } from '../clearnox/contract.js';
import type { SandboxLimits } from './limits.js';
import { processImport } from './processing.js';
import type { ImportRecord, SandboxStore } from './store.js';

export class ImportRunner {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: SandboxStore,
    private readonly limits: SandboxLimits,
    readonly delayMs: number,
  ) {}

  schedule(record: ImportRecord, archivePath: string, metadata: Metadata): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = processImport(this.store, record, archivePath, metadata, this.limits)
        .catch((err: Error) => {
          record.status = 'failed';
          record.error = { code: 'INTERNAL', message: err.message };
        })
        // The archive is only needed until its documents are read; idempotency compares hashes.
        .finally(() => rm(archivePath, { force: true }).catch(() => undefined))
        .finally(() => this.running.delete(run));
      this.running.add(run);
    }, this.delayMs);
    this.timers.add(timer);
  }

  /** Seconds a client should wait before another import may start. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.delayMs / 1000));
  }

  /** Imports not started yet stay `processing` forever: the server is going away. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.running]);
  }
}
