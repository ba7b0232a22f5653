// Where the secret store is. On Windows there are two, one per DPAPI scope: a value protected for
// one account is kept in that account's profile, one protected for the machine in ProgramData.
import os from 'node:os';
import path from 'node:path';

export type SecretScope = 'user' | 'machine';

/** Overrides the store's place (tests, a server with its own layout): a file path. */
export const STORE_ENV = 'CLEARNOX_SYNC_SECRETS';

export interface StorePlace {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
}

export function defaultPlace(): StorePlace {
  return { env: process.env, platform: process.platform };
}

function envValue(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (env[name] !== undefined || platform !== 'win32') return env[name] || undefined;
  const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
  return (key && env[key]) || undefined;
}

/** The store a secret of `scope` is written to. */
export function storeFile(scope: SecretScope, place: StorePlace): string {
  const override = envValue(place.env, STORE_ENV, place.platform);
  if (override) return path.resolve(override);
  if (place.platform === 'win32') {
    const p = path.win32;
    if (scope === 'machine') return p.join(envValue(place.env, 'ProgramData', place.platform) ?? 'C:\\ProgramData', 'clearnox-sync', 'secrets.json');
    const appData = envValue(place.env, 'APPDATA', place.platform) ?? p.join(os.homedir(), 'AppData', 'Roaming');
    return p.join(appData, 'clearnox-sync', 'secrets.json');
  }
  const config = envValue(place.env, 'XDG_CONFIG_HOME', place.platform) ?? path.join(envValue(place.env, 'HOME', place.platform) ?? os.homedir(), '.config');
  return path.join(config, 'clearnox-sync', 'secrets.json');
}

/** The stores a `${secret:}` is looked up in, in order: the account's own first. */
export function storeFiles(place: StorePlace): string[] {
  if (envValue(place.env, STORE_ENV, place.platform) || place.platform !== 'win32') return [storeFile('user', place)];
  return [storeFile('user', place), storeFile('machine', place)];
}
