// A local Clearnox API that follows docs/clearnox-api/ strictly: for the demo, for the tests, and
// for integrators trying a mapping file without touching a customer account.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControl, ForcedImportFailures, type SandboxControl } from './control.js';
import { FaultInjector } from './faults.js';
import { ImportRunner } from './import-runner.js';
import { resolveLimits, type SandboxLimits } from './limits.js';
import { RateLimiter } from './rate-limit.js';
import { createRouter } from './routes.js';
import { SandboxStore, type EntryInput, type SandboxState } from './store.js';

export { loadSandboxEntries } from './entries-file.js';
export type { SandboxControl } from './control.js';
export type { FaultRoute } from './faults.js';
export type { SandboxLimits } from './limits.js';
export type { AttachedDocument, EntryInput, SandboxState } from './store.js';

export const SANDBOX_BANNER = 'CLEARNOX SANDBOX — not the real Clearnox; nothing sent here reaches a customer account';

export interface SandboxOptions {
  /** 0 = any free port (default). */
  port?: number;
  /** Default 127.0.0.1: the sandbox accepts anyone's credentials-by-config, so it stays local. */
  host?: string;
  /** Entries without a document at start. */
  entries: EntryInput[];
  clientId?: string;
  clientSecret?: string;
  /** expires_in given to clients; default 3600. */
  tokenTtlSeconds?: number;
  /** Time an import stays `processing` before it completes; default 50 ms. */
  processingDelayMs?: number;
  /**
   * Retry-After sent while an import is processing; default 1 s as a real server may send.
   * Tests pass null so that the client's own backoff (from 250 ms) applies.
   */
  pollRetryAfterSeconds?: number | null;
  /** Per-token request rate limit; default 10 a second as in the contract. false turns it off. */
  rateLimit?: false | { perSecond: number };
  /** Smaller limits than the contract's, so tests can reach them cheaply. */
  limits?: Partial<SandboxLimits>;
  /** Clock in ms since the epoch, for tests of token expiry and the 24-hour idempotency window. */
  now?: () => number;
}

export interface SandboxHandle {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** The address the server is bound to, as the system reports it (0.0.0.0 or :: for every interface). */
  boundTo: string;
  close(): Promise<void>;
  state(): SandboxState;
  control: SandboxControl;
}

export async function startSandbox(options: SandboxOptions): Promise<SandboxHandle> {
  const now = options.now ?? Date.now;
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds < 1) throw new Error(`tokenTtlSeconds must be a positive integer`);
  const processingDelayMs = options.processingDelayMs ?? 50;
  if (!(processingDelayMs >= 0)) throw new Error('processingDelayMs must be 0 or more');
  const limits = resolveLimits(options.limits);

  const store = new SandboxStore(now);
  store.addEntries(options.entries);
  const faults = new FaultInjector();
  const forced = new ForcedImportFailures();
  const control = createControl(store, faults, forced);
  const runner = new ImportRunner(store, limits, processingDelayMs);
  const rateLimit = options.rateLimit ?? { perSecond: limits.requestsPerSecond };
  const tempDir = await mkdtemp(join(tmpdir(), 'clearnox-sandbox-'));

  const server = createServer(
    createRouter({
      store,
      limits,
      runner,
      forced,
      tempDir,
      faults,
      rateLimiter: rateLimit === false ? null : new RateLimiter(rateLimit.perSecond, now),
      credentials: { clientId: options.clientId ?? 'sandbox-client', clientSecret: options.clientSecret ?? 'sandbox-secret' },
      tokenTtlSeconds,
      pollRetryAfterSeconds: options.pollRetryAfterSeconds === undefined ? 1 : options.pollRetryAfterSeconds,
      control,
    }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await rm(tempDir, { recursive: true, force: true });
    throw err;
  }

  const address = server.address() as AddressInfo;
  // A wildcard listen address is not one a client can connect to; name the loopback instead.
  const reachable = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const host = reachable.includes(':') ? `[${reachable}]` : reachable;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    boundTo: address.address,
    state: () => store.snapshot(),
    control,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive sockets would otherwise hold close() open until they time out.
        server.closeAllConnections();
        await closed;
        await runner.close();
        await rm(tempDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
