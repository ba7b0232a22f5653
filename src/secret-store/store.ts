// The local secret store: values a mapping file names as ${secret:NAME}, kept out of the file and
// out of the environment every process can read. One JSON file per store, written whole and
// atomically. Off Windows it is readable by its owner only, and one that others could read is
// refused, as ssh refuses a private key. On Windows each value is protected with DPAPI
// (dpapi.ts), and the machine store's folder is narrowed to those who must read it.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ClearnoxSyncError } from '../errors.js';
import { writeFileReplacing } from '../private-files.js';
import { openRegularFile } from '../regular-file.js';
import { registerSecret } from '../secrets.js';
import { DpapiError, protect, systemPowerShell, unprotect, type PowerShellRunner } from './dpapi.js';
import { defaultPlace, storeFile, storeFiles, type SecretScope, type StorePlace } from './location.js';
import { secretNameProblem } from './names.js';
import { restrictFolderArgs, systemIcacls, type IcaclsRunner } from './windows-acl.js';

/** The secret store cannot be used as it is: a person must act on it (exit 2). */
export class SecretStoreError extends ClearnoxSyncError {
  override readonly name = 'SecretStoreError';
  readonly kind = 'config';
}

export interface StoreOptions {
  place?: StorePlace;
  /** Windows only; tests give a fake. */
  powershell?: PowerShellRunner;
  icacls?: IcaclsRunner;
  now?: () => Date;
}

interface StoredSecret {
  setAt: string;
  /** Off Windows: the value itself, in a file only its owner reads. */
  value?: string;
  /** On Windows: the DPAPI blob, base64, and the scope it was protected for. */
  protected?: string;
  scope?: SecretScope;
}

interface StoreData {
  version: 1;
  secrets: Record<string, StoredSecret>;
}

export interface ListedSecret {
  name: string;
  setAt: string;
  scope?: SecretScope;
  file: string;
}

const platformOf = (o: StoreOptions) => (o.place ?? defaultPlace()).platform;
const placeOf = (o: StoreOptions) => o.place ?? defaultPlace();
const powershellOf = (o: StoreOptions) => o.powershell ?? systemPowerShell(placeOf(o).env);

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

async function readStore(file: string, platform: NodeJS.Platform): Promise<StoreData | null> {
  let text: string;
  try {
    const handle = await openRegularFile(file);
    try {
      // Windows has no modes: there the folder's permissions guard the store (windows-acl.ts, or
      // the account's own profile), and DPAPI its values.
      if (platform !== 'win32' && process.platform !== 'win32') {
        const info = await handle.stat();
        if ((info.mode & 0o077) !== 0) {
          throw new SecretStoreError(
            `The secret store ${file} may be read or changed by other accounts (mode ${octal(info.mode)}), so its secrets are not used. Make it readable by its owner only:  chmod 600 ${file}`,
          );
        }
        const uid = process.getuid?.();
        if (uid !== undefined && info.uid !== uid && uid !== 0) {
          throw new SecretStoreError(`The secret store ${file} belongs to another account (uid ${info.uid}), so its secrets are not used; run clearnox-sync as that account, or set the secrets again as this one`);
        }
      }
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (e instanceof SecretStoreError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new SecretStoreError(
        platform === 'win32'
          ? `The secret store ${file} cannot be read by this account (access denied). Set the secret again with  clearnox-sync secret set NAME --reader DOMAIN\\account  naming the account that runs clearnox-sync, in a command prompt opened as administrator`
          : `The secret store ${file} cannot be read by this account (access denied); run clearnox-sync as the account that set the secrets`,
      );
    }
    throw new SecretStoreError(`The secret store ${file} cannot be read: ${code === 'EISDIR' ? 'it is a folder' : (code ?? String(e))}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const secrets = (data as StoreData | undefined)?.secrets;
  if ((data as StoreData | undefined)?.version !== 1 || secrets === null || typeof secrets !== 'object' || Array.isArray(secrets)) {
    throw new SecretStoreError(`The secret store ${file} is not one clearnox-sync wrote (it was changed by hand or cut short); remove it and set the secrets again with  clearnox-sync secret set NAME`);
  }
  return data as StoreData;
}

async function writeStore(file: string, data: StoreData, opts: StoreOptions, restrict: string[] | null): Promise<void> {
  const dir = path.dirname(file);
  // A folder this creates is the owner's alone; one that exists (a path chosen by the person) is left as it is.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (restrict) {
    // Before the file is written, so that it is never readable by more than the folder allows.
    try {
      await (opts.icacls ?? systemIcacls(placeOf(opts).env))(restrictFolderArgs(dir, restrict));
    } catch (e) {
      throw new SecretStoreError(`The folder ${dir} of the secret store could not be restricted to the administrators, SYSTEM and the readers given (icacls: ${(e as Error).message.trim()}); run the command prompt as administrator`);
    }
  }
  await writeFileReplacing(file, `${JSON.stringify(data, null, 2)}\n`);
}

function checkName(name: string): void {
  const problem = secretNameProblem(name);
  if (problem) throw new SecretStoreError(problem);
}

export interface SetOptions {
  /** Windows only: DPAPI's scope, and which store. */
  scope: SecretScope;
  /** Windows, machine scope: accounts that may read the store (the scheduled task's). */
  readers?: string[];
}

/** Stores `value` as `name`, replacing an earlier one; returns the store's file. */
export async function setSecret(name: string, value: string, set: SetOptions, opts: StoreOptions = {}): Promise<string> {
  checkName(name);
  if (value === '') throw new SecretStoreError('The value is empty; nothing was stored');
  registerSecret(value);
  const windows = platformOf(opts) === 'win32';
  const file = storeFile(set.scope, placeOf(opts));
  const data = (await readStore(file, platformOf(opts))) ?? { version: 1, secrets: {} };
  const setAt = (opts.now?.() ?? new Date()).toISOString();
  let entry: StoredSecret;
  if (windows) {
    let blob: Buffer;
    try {
      blob = await protect(powershellOf(opts), value, set.scope);
    } catch (e) {
      throw new SecretStoreError(`The secret ${name} could not be protected with Windows DPAPI: ${(e as Error).message}`);
    }
    entry = { setAt, scope: set.scope, protected: blob.toString('base64') };
  } else entry = { setAt, value };
  data.secrets[name] = entry;
  await writeStore(file, data, opts, windows && set.scope === 'machine' ? (set.readers ?? []) : null);
  return file;
}

/** Removes `name`; false when the store did not hold it. */
export async function removeSecret(name: string, scope: SecretScope, opts: StoreOptions = {}): Promise<{ removed: boolean; file: string }> {
  checkName(name);
  const file = storeFile(scope, placeOf(opts));
  const data = await readStore(file, platformOf(opts));
  if (!data || !(name in data.secrets)) return { removed: false, file };
  delete data.secrets[name];
  await writeStore(file, data, opts, null);
  return { removed: true, file };
}

/** Every stored name, with when it was set: never a value. */
export async function listSecrets(opts: StoreOptions = {}): Promise<{ files: string[]; secrets: ListedSecret[] }> {
  const files = storeFiles(placeOf(opts));
  const secrets: ListedSecret[] = [];
  for (const file of files) {
    const data = await readStore(file, platformOf(opts));
    for (const [name, s] of Object.entries(data?.secrets ?? {})) secrets.push({ name, setAt: s.setAt, ...(s.scope ? { scope: s.scope } : {}), file });
  }
  return { files, secrets };
}

export type SecretLookup = (name: string) => Promise<{ value: string } | { error: string }>;

/** How a mapping file's `${secret:NAME}` is read: from the account's store, then the machine's. */
export function secretLookup(opts: StoreOptions = {}): SecretLookup {
  return async (name) => {
    const problem = secretNameProblem(name);
    if (problem) return { error: problem };
    const files = storeFiles(placeOf(opts));
    const windows = platformOf(opts) === 'win32';
    for (const file of files) {
      let data: StoreData | null;
      try {
        data = await readStore(file, platformOf(opts));
      } catch (e) {
        if (e instanceof SecretStoreError) return { error: e.message };
        throw e;
      }
      const entry = data?.secrets[name];
      if (!entry) continue;
      const value = await storedValue(name, entry, file, windows, opts);
      if ('value' in value) registerSecret(value.value);
      return value;
    }
    const where = files.length === 1 ? `the secret store ${files[0]}` : `the secret stores ${files.join(' and ')}`;
    const how = windows
      ? `in a command prompt opened as administrator run  clearnox-sync secret set ${name} --reader DOMAIN\\account  naming the account the scheduled task runs as`
      : `run  clearnox-sync secret set ${name}  as the account that runs clearnox-sync`;
    return { error: `the secret ${name} is not in ${where}; ${how}` };
  };
}

async function storedValue(name: string, entry: StoredSecret, file: string, windows: boolean, opts: StoreOptions): Promise<{ value: string } | { error: string }> {
  if (!windows) {
    if (typeof entry.value === 'string' && entry.value !== '') return { value: entry.value };
    if (entry.protected) return { error: `the secret ${name} in ${file} was protected with Windows DPAPI and opens only on the Windows machine it was set on; set it again here with  clearnox-sync secret set ${name}` };
    return { error: `the secret ${name} in ${file} has no value; set it again with  clearnox-sync secret set ${name}` };
  }
  if (!entry.protected) return { error: `the secret ${name} in ${file} is not protected with DPAPI (the store was copied from another system); set it again with  clearnox-sync secret set ${name}` };
  const scope = entry.scope ?? 'user';
  try {
    return { value: await unprotect(powershellOf(opts), Buffer.from(entry.protected, 'base64'), scope) };
  } catch (e) {
    if (!(e instanceof DpapiError)) throw e;
    const hint =
      scope === 'user'
        ? `it was protected for the Windows account that ran  secret set  (user scope), and opens only for that account on this machine; set it again as the account that runs clearnox-sync, or for the machine (the default)`
        : `it was protected for another machine, or this machine's keys changed; set it again on this machine`;
    return { error: `the secret ${name} in ${file} could not be decrypted (${e.message}): ${hint}` };
  }
}
