import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { storeFile, storeFiles } from '../../src/secret-store/location.js';
import { listSecrets, removeSecret, secretLookup, setSecret, type StoreOptions } from '../../src/secret-store/store.js';
import { clearSecrets, redact } from '../../src/secrets.js';
import { fakePowerShell } from './fake-powershell.js';

beforeEach(() => clearSecrets());

async function tempStore(): Promise<{ file: string; opts: StoreOptions }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-secrets-'));
  const file = path.join(dir, 'clearnox-sync', 'secrets.json');
  return { file, opts: { place: { env: { CLEARNOX_SYNC_SECRETS: file }, platform: 'linux' } } };
}

describe('where the store is', () => {
  it('follows XDG_CONFIG_HOME or ~/.config off Windows, ProgramData or APPDATA by scope on Windows, and the override everywhere', () => {
    expect(storeFile('machine', { env: { XDG_CONFIG_HOME: '/etc/xdg-home', HOME: '/home/erp' }, platform: 'linux' })).toBe('/etc/xdg-home/clearnox-sync/secrets.json');
    expect(storeFile('user', { env: { HOME: '/home/erp' }, platform: 'linux' })).toBe('/home/erp/.config/clearnox-sync/secrets.json');
    const win = { env: { ProgramData: 'C:\\ProgramData', appdata: 'C:\\Users\\svc\\AppData\\Roaming' }, platform: 'win32' as const };
    expect(storeFile('machine', win)).toBe('C:\\ProgramData\\clearnox-sync\\secrets.json');
    expect(storeFile('user', win)).toBe('C:\\Users\\svc\\AppData\\Roaming\\clearnox-sync\\secrets.json');
    // The account's own store is looked in first.
    expect(storeFiles(win)).toEqual(['C:\\Users\\svc\\AppData\\Roaming\\clearnox-sync\\secrets.json', 'C:\\ProgramData\\clearnox-sync\\secrets.json']);
    expect(storeFiles({ env: { ...win.env, CLEARNOX_SYNC_SECRETS: '/srv/s.json' }, platform: 'linux' })).toEqual(['/srv/s.json']);
  });
});

describe('the store off Windows', () => {
  it('writes a file only its owner may read, in a folder only its owner may open, and reads it back', async () => {
    const { file, opts } = await tempStore();
    expect(await setSecret('clearnox-client-secret', 'cs-Value-91;"x', { scope: 'machine' }, opts)).toBe(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    clearSecrets();
    expect(await secretLookup(opts)('clearnox-client-secret')).toEqual({ value: 'cs-Value-91;"x' });
    // What is read is masked like every secret.
    expect(redact('token cs-Value-91;"x')).toBe('token ***');
  });

  it('refuses a store that other accounts may read, as ssh refuses a private key, saying the chmod', async () => {
    const { file, opts } = await tempStore();
    await setSecret('db', 'pw-123456', { scope: 'machine' }, opts);
    await chmod(file, 0o640);
    const got = await secretLookup(opts)('db');
    expect(got).toEqual({ error: expect.stringContaining(`The secret store ${file} may be read or changed by other accounts (mode 0640)`) as unknown });
    expect((got as { error: string }).error).toContain(`chmod 600 ${file}`);
    await expect(listSecrets(opts)).rejects.toThrow(/mode 0640/);
    await expect(setSecret('db', 'other-value', { scope: 'machine' }, opts)).rejects.toThrow(/chmod 600/);
  });

  it('lists names and dates, never values; removes one; says which command sets a missing one', async () => {
    const { file, opts } = await tempStore();
    const now = () => new Date('2026-11-30T08:00:00Z');
    await setSecret('a.one', 'value-one-1', { scope: 'machine' }, { ...opts, now });
    await setSecret('b_two', 'value-two-2', { scope: 'machine' }, { ...opts, now });
    const listed = await listSecrets(opts);
    expect(listed.secrets).toEqual([
      { name: 'a.one', setAt: '2026-11-30T08:00:00.000Z', file },
      { name: 'b_two', setAt: '2026-11-30T08:00:00.000Z', file },
    ]);
    expect(JSON.stringify(listed)).not.toContain('value-');
    expect(await removeSecret('a.one', 'machine', opts)).toEqual({ removed: true, file });
    expect(await removeSecret('a.one', 'machine', opts)).toEqual({ removed: false, file });
    expect(await secretLookup(opts)('a.one')).toEqual({ error: `the secret a.one is not in the secret store ${file}; run  clearnox-sync secret set a.one  as the account that runs clearnox-sync` });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, secrets: { b_two: { setAt: '2026-11-30T08:00:00.000Z', value: 'value-two-2' } } });
  });

  it('takes only safe names, and refuses a store that is not its own format', async () => {
    const { file, opts } = await tempStore();
    await expect(setSecret('a b', 'value-1234', { scope: 'machine' }, opts)).rejects.toThrow(/not a secret name this tool accepts: use letters, digits, _ - and \. only/);
    await expect(setSecret('../x', 'value-1234', { scope: 'machine' }, opts)).rejects.toThrow(/not a secret name/);
    expect(await secretLookup(opts)('$(x)')).toHaveProperty('error', expect.stringContaining('not a secret name') as unknown);
    await setSecret('ok', 'value-1234', { scope: 'machine' }, opts);
    await writeFile(file, '{"secrets": []}', { mode: 0o600 });
    expect(await secretLookup(opts)('ok')).toHaveProperty('error', expect.stringContaining('is not one clearnox-sync wrote') as unknown);
  });
});

// Real DPAPI is untested here (no PowerShell on this machine): a fake powershell.exe first on the
// PATH checks how it is started and answers as PowerShell would. What is tested: the value reaches
// PowerShell only on its standard input, never in its arguments or environment; the store holds
// the protected blob, not the value; the scope is kept and used to open it; the machine store's
// folder is restricted before the file is written.
describe('the store on Windows, with a fake PowerShell', () => {
  it('protects through PowerShell on standard input only, stores the blob, and opens it with the scope it was set for', async () => {
    const ps = await fakePowerShell();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-win-secrets-'));
    const icacls: string[][] = [];
    const secret = 'Wi-Secret-Ünï-4711';
    // The environment holds a secret a mapping file may read through ${env:}: PowerShell must not get it.
    // The store's file by the override: Windows paths (ProgramData's, APPDATA's) mean nothing on this system.
    const store = path.join(dir, 'ProgramData', 'clearnox-sync', 'secrets.json');
    const env = { PATH: ps.path, CLEARNOX_SYNC_SECRETS: store, CLEARNOX_CLIENT_SECRET: 'env-Secret-8812' };
    const opts: StoreOptions = { place: { env, platform: 'win32' }, icacls: async (args) => void icacls.push(args) };
    const file = await setSecret('clearnox-client-secret', secret, { scope: 'machine', readers: ['ACME\\svc-clearnox'] }, opts);
    expect(file).toBe(store);
    expect(icacls).toEqual([[path.dirname(file), '/inheritance:r', '/grant:r', '*S-1-5-32-544:(OI)(CI)F', '*S-1-5-18:(OI)(CI)F', 'ACME\\svc-clearnox:(OI)(CI)RX']]);

    const stored = await readFile(file, 'utf8');
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
    const entry = (JSON.parse(stored) as { secrets: Record<string, { scope: string; protected: string }> }).secrets['clearnox-client-secret']!;
    expect(entry.scope).toBe('machine');

    clearSecrets();
    expect(await secretLookup(opts)('clearnox-client-secret')).toEqual({ value: secret });
    expect(redact(`x ${secret} y`)).toBe('x *** y');

    const calls = await ps.calls();
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.argv).toEqual(['-NoProfile', '-NonInteractive', '-Command', '-']);
      expect(JSON.stringify(call.argv) + JSON.stringify(call.env)).not.toContain(secret);
      expect(JSON.stringify(call.env)).not.toContain('env-Secret-8812');
      expect(call.stdin).toMatch(/DataProtectionScope\]::LocalMachine\)/);
      expect(call.stdin.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(calls[0]!.stdin).toContain(`FromBase64String('${Buffer.from(secret, 'utf8').toString('base64')}')`);
    expect(calls[0]!.stdin).toContain('ProtectedData]::Protect(');
    expect(calls[1]!.stdin).toContain('ProtectedData]::Unprotect(');
  });

  it('protects a user-scope secret for the account, leaves the folder as it is, and says why one protected for another account does not open', async () => {
    const ps = await fakePowerShell();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-win-secrets-'));
    const store = path.join(dir, 'AppData', 'clearnox-sync', 'secrets.json');
    const env = { PATH: ps.path, CLEARNOX_SYNC_SECRETS: store };
    const icacls: string[][] = [];
    const opts: StoreOptions = { place: { env, platform: 'win32' }, icacls: async (args) => void icacls.push(args) };
    const file = await setSecret('db-password', 'user-Scoped-551', { scope: 'user' }, opts);
    expect(file).toBe(store);
    expect(icacls).toEqual([]); // the profile is the account's own
    expect((await ps.calls())[0]!.stdin).toMatch(/DataProtectionScope\]::CurrentUser\)/);
    // The blob as another account (or a copy with the scope changed) would see it: DPAPI refuses.
    const data = JSON.parse(await readFile(file, 'utf8')) as { secrets: Record<string, { scope: string }> };
    data.secrets['db-password']!.scope = 'machine';
    await writeFile(file, JSON.stringify(data));
    const got = await secretLookup(opts)('db-password');
    expect((got as { error: string }).error).toMatch(/^the secret db-password in .* could not be decrypted \(.*Key not valid for use in specified state.*\): it was protected for another machine/);
    expect((await listSecrets(opts)).secrets.map((s) => [s.name, s.scope])).toEqual([['db-password', 'machine']]);
  });

  it('names the command that stores a missing secret for the task', async () => {
    const env = { CLEARNOX_SYNC_SECRETS: path.join(await mkdtemp(path.join(os.tmpdir(), 'cnx-none-')), 'secrets.json') };
    const got = await secretLookup({ place: { env, platform: 'win32' } })('clearnox-client-secret');
    expect((got as { error: string }).error).toContain('clearnox-sync secret set clearnox-client-secret --reader DOMAIN\\account');
  });
});
