// What the commands share: loading the mapping file with the built-in adapters, and the client.
import { builtinAdapters } from '../../adapters/index.js';
import { ClearnoxClient } from '../clearnox/client.js';
import type { Logger } from '../log.js';
import { loadMapping } from '../mapping/load.js';
import type { AdapterSets, LoadedMapping } from '../mapping/schema.js';
import { checkConfigPath } from './config-path.js';

export const adapters: AdapterSets = builtinAdapters();

export async function loadConfig(file: string): Promise<LoadedMapping> {
  await checkConfigPath(file);
  return loadMapping(file, adapters);
}

export function clientFor(loaded: LoadedMapping, log: Logger): ClearnoxClient {
  const { clearnox } = loaded.mapping;
  return new ClearnoxClient({
    baseUrl: clearnox.baseUrl,
    clientId: clearnox.clientId,
    clientSecret: clearnox.clientSecret,
    timeoutMs: clearnox.timeoutSeconds * 1000,
    retries: clearnox.retries,
    log,
  });
}

/** `{timestamp}` in a report or log path gives one file per run, as a scheduled task wants. */
export function expandPath(file: string, now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return file.replaceAll('{timestamp}', stamp);
}
