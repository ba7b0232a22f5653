// What the commands share: loading the mapping file with the built-in adapters, and the client.
import { builtinAdapters } from '../../adapters/index.js';
import { ClearnoxClient } from '../clearnox/client.js';
import { UndiciTransport } from '../clearnox/http.js';
import type { Logger } from '../log.js';
import { loadMapping } from '../mapping/load.js';
import type { AdapterSets, LoadedMapping } from '../mapping/schema.js';
import { checkConfigPath } from './config-path.js';

export const adapters: AdapterSets = builtinAdapters();

export async function loadConfig(file: string): Promise<LoadedMapping> {
  await checkConfigPath(file);
  return loadMapping(file, adapters);
}

/** The client, through the section's proxy and with its certificates; a wrong caFile throws a ConfigError here. */
export function clientFor(loaded: LoadedMapping, log: Logger): ClearnoxClient {
  const { clearnox } = loaded.mapping;
  const timeoutMs = clearnox.timeoutSeconds * 1000;
  return new ClearnoxClient({
    baseUrl: clearnox.baseUrl,
    clientId: clearnox.clientId,
    clientSecret: clearnox.clientSecret,
    timeoutMs,
    retries: clearnox.retries,
    log,
    transport: new UndiciTransport({ timeoutMs, network: { section: clearnox, baseDir: loaded.baseDir } }),
  });
}

/** `{timestamp}` in a report or log path gives one file per run, as a scheduled task wants. */
export function expandPath(file: string, now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return file.replaceAll('{timestamp}', stamp);
}
