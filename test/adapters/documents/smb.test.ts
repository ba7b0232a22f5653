// The SMB store against a real Samba (signing required, NTLMv2 only): logins and roots that do
// not work, the network failing under a transfer, the password kept out of every message, of
// smbclient's command line and environment, and links planted on the server.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmbOptions } from '../../../adapters/documents/smb/options.js';
import { smbclientEnvironment } from '../../../adapters/documents/smb/smbclient.js';
import { SmbStore, smbAdapter } from '../../../adapters/documents/smb/store.js';
import { parseUnc } from '../../../adapters/documents/smb/unc.js';
import { AdapterConfigError, CredentialsRefusedError, DocumentError } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { fakePdf } from '../../helpers/pdf.js';
import { readAll } from './conformance.js';
import { openSmb, samba, shareFolder, smbOptions } from './smb-fixture.js';
import { startProxy, type Proxy } from './tcp-proxy.js';

const MiB = 1024 * 1024;
let dir: string;
let options: SmbOptions;

async function refusal(o: SmbOptions): Promise<Error> {
  const store = await openSmb(o).catch((e: unknown) => e as Error);
  if (!(store instanceof Error)) throw new Error('the store opened');
  return store;
}

beforeAll(async () => {
  ({ dir, options } = await shareFolder('smb'));
  await writeFile(path.join(dir, 'FA-1.pdf'), fakePdf('FA-1'));
  await writeFile(path.join(dir, 'large.pdf'), fakePdf('large', 16 * MiB));
  await writeFile(path.join(dir, 'huge.pdf'), fakePdf('huge', 48 * MiB));
});

describe('share paths', () => {
  it('reads \\\\server\\share\\folder with either slash', () => {
    expect(parseUnc('\\\\FILESRV\\Factures\\2024\\')).toEqual({ server: 'FILESRV', share: 'Factures', folder: ['2024'] });
    expect(parseUnc('//filesrv/Factures')).toEqual({ server: 'filesrv', share: 'Factures', folder: [] });
    expect(parseUnc('\\\\FILESRV\\Factures\\..\\Admin')).toBeNull();
    expect(parseUnc('Z:\\Factures')).toBeNull();
    expect(parseUnc('\\\\FILESRV')).toBeNull();
  });
});

describe('opening the share', () => {
  it('works with signing required, with encryption required, and at the share top', async () => {
    for (const o of [options, { ...options, encryption: 'required' as const }, { ...options, signing: 'if_server_requires' as const }]) {
      const store = await openSmb(o);
      expect(await readAll(await store.open('FA-1.pdf'))).toEqual(fakePdf('FA-1'));
      await store.close();
    }
    const top = await openSmb(smbOptions(`\\\\${samba().host}\\${samba().share}`));
    expect((await top.stat(`${path.basename(dir)}\\FA-1.pdf`)).size).toBe(fakePdf('FA-1').length);
  });

  it('refuses a wrong password and a wrong user as refused credentials, a wrong share as a configuration error, without the password', async () => {
    const wrong = await refusal({ ...options, password: 'Wrong-Password-77' });
    expect(wrong).toBeInstanceOf(CredentialsRefusedError);
    expect(wrong.message).toMatch(/NT_STATUS_LOGON_FAILURE.*documents\.username, documents\.password/);
    expect(wrong.message).not.toContain('Wrong-Password-77');
    expect(await refusal({ ...options, username: 'nobody-here' })).toBeInstanceOf(CredentialsRefusedError);
    const share = await refusal(smbOptions(`\\\\${samba().host}\\nope`));
    expect(share).toBeInstanceOf(AdapterConfigError);
    expect(share.message).toMatch(/NT_STATUS_BAD_NETWORK_NAME/);
  });

  it('refuses a root folder that does not exist or is a file', async () => {
    const missing = await refusal(smbOptions(`\\\\${samba().host}\\${samba().share}\\${path.basename(dir)}\\nope`));
    expect(missing.message).toMatch(/documents\.root.*cannot be opened/);
    const file = await refusal(smbOptions(`\\\\${samba().host}\\${samba().share}\\${path.basename(dir)}\\FA-1.pdf`));
    expect(file).toBeInstanceOf(AdapterConfigError);
  });

  it('tells an unreachable server apart from a configuration error', async () => {
    const proxy = await startProxy(samba().port);
    const port = proxy.port;
    await proxy.close();
    const e = await refusal({ ...options, port });
    expect(e).not.toBeInstanceOf(AdapterConfigError);
    expect(e).toMatchObject({ kind: 'connection_lost' });
    expect(e.message).toMatch(/cannot reach the file server/);
  });

  it('says how to install smbclient when it is missing', async () => {
    const e = await SmbStore.open({ unc: parseUnc(options.root)!, options, program: 'smbclient-not-installed' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AdapterConfigError);
    expect((e as Error).message).toMatch(/apt-get install smbclient/);
  });

  it('refuses names no Windows share can hold without asking the server', async () => {
    const store = await openSmb(options);
    for (const p of ['FA"1.pdf', 'FA*.pdf', 'FA?.pdf', 'a|b.pdf', 'x\ny.pdf']) {
      await expect(store.open(p)).rejects.toMatchObject({ kind: 'not_found' });
    }
  });
});

describe('the smbclient process', () => {
  it('gets the password through a pipe and none of the parent\'s environment', async () => {
    // A wrapper records what the real smbclient is started with, then becomes it.
    const bin = await mkdtemp(path.join(os.tmpdir(), 'cnx-smbclient-'));
    const dump = path.join(bin, 'started-with');
    const program = path.join(bin, 'smbclient');
    await writeFile(program, `#!/bin/sh\n{ printf 'ARG %s\\n' "$@"; env | sed 's/^/ENV /'; } >> '${dump}'\nexec /usr/bin/smbclient "$@"\n`);
    await chmod(program, 0o700);
    const secret = `clearnox-secret-${Math.random().toString(36).slice(2)}`;
    const saved = { ...process.env };
    Object.assign(process.env, { CLEARNOX_CLIENT_SECRET: secret, ERP_DB_PASSWORD: secret, PASSWD: secret, USER: 'someone-else', HOME: '/root' });
    try {
      const store = await SmbStore.open({ unc: parseUnc(options.root)!, options, program });
      expect(await readAll(await store.open('FA-1.pdf'))).toEqual(fakePdf('FA-1'));
      await store.close();
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
    const lines = (await readFile(dump, 'utf8')).split('\n');
    await rm(bin, { recursive: true, force: true });
    const env = lines.filter((l) => l.startsWith('ENV ')).map((l) => l.slice(4).split('=')[0]);
    // /bin/sh adds PWD (and may add SHLVL, _) to what it was given.
    expect([...new Set(env)].filter((k) => !['PWD', 'SHLVL', '_'].includes(k!)).sort()).toEqual(['PASSWD_FD', 'PATH']);
    const text = lines.join('\n');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(options.password!);
    expect(lines).toContain('ARG -U');
  });

  it('passes on only PATH and the Kerberos ticket cache pointers', () => {
    const parent = { PATH: '/usr/bin', KRB5CCNAME: 'FILE:/tmp/krb5cc_task', KRB5_CONFIG: '/etc/krb5.conf', HOME: '/root', LANG: 'C.UTF-8', CLEARNOX_CLIENT_SECRET: 's', PASSWD: 'p', USER: 'u' };
    expect(smbclientEnvironment(parent)).toEqual({ PATH: '/usr/bin', KRB5CCNAME: 'FILE:/tmp/krb5cc_task', KRB5_CONFIG: '/etc/krb5.conf' });
  });

  it('refuses a password smbclient would cut at a line break', async () => {
    const e = await refusal({ ...options, password: 'first-line\nsecond-line' });
    expect(e).toBeInstanceOf(AdapterConfigError);
    expect(e.message).toMatch(/documents\.password holds a line break/);
    expect(e.message).not.toContain('first-line');
  });
});

// smbclient over SMB2/3 sees no link: Samba resolves it and shows what it points to, so what is
// guaranteed is Samba's (wide links = no, its default): nothing outside the share exists.
describe('links planted on the server, the root being a folder of the share', () => {
  let outsideFile: string;
  let elsewhere: string;
  const names = async (store: Awaited<ReturnType<typeof openSmb>>) => {
    const listed: string[] = [];
    for await (const f of store.list!('')) listed.push(f.path);
    return listed.sort();
  };

  beforeAll(async () => {
    const outside = path.dirname(samba().shareDir);
    outsideFile = path.join(outside, `${path.basename(dir)}-outside.pdf`);
    await writeFile(outsideFile, fakePdf('outside the share'), { mode: 0o644 });
    // Another folder of the same share, out of the root folder.
    elsewhere = path.join(samba().shareDir, `${path.basename(dir)}-elsewhere`);
    await mkdir(elsewhere, { mode: 0o755 });
    await writeFile(path.join(elsewhere, 'other.pdf'), fakePdf('elsewhere in the share'), { mode: 0o644 });
    await mkdir(path.join(dir, 'links'), { mode: 0o755 });
    await symlink(outsideFile, path.join(dir, 'links', 'out-of-share.pdf'));
    await symlink(outside, path.join(dir, 'links', 'folder-out-of-share'));
    await symlink(path.relative(path.join(dir, 'links'), path.join(elsewhere, 'other.pdf')), path.join(dir, 'links', 'elsewhere.pdf'));
    await symlink('../FA-1.pdf', path.join(dir, 'links', 'inside.pdf'));
    await symlink('..', path.join(dir, 'links', 'loop'));
    await symlink(outside, path.join(samba().shareDir, `${path.basename(dir)}-root-link`));
  });

  afterAll(async () => {
    await rm(outsideFile, { force: true });
    await rm(elsewhere, { recursive: true, force: true });
    await rm(path.join(samba().shareDir, `${path.basename(dir)}-root-link`), { force: true });
    await rm(path.join(dir, 'links'), { recursive: true, force: true });
  });

  it('finds no file behind a link out of the share, a folder link out of it, or a root that is one', async () => {
    const store = await openSmb(options);
    for (const p of ['links/out-of-share.pdf', `links/folder-out-of-share/${path.basename(outsideFile)}`]) {
      await expect(store.stat(p)).rejects.toMatchObject({ kind: 'not_found' });
      await expect(store.open(p)).rejects.toMatchObject({ kind: 'not_found' });
    }
    expect((await names(store)).filter((p) => p.startsWith('links/'))).toEqual(['links/elsewhere.pdf', 'links/inside.pdf']);
    await store.close();
    const root = await refusal(smbOptions(`\\\\${samba().host}\\${samba().share}\\${path.basename(dir)}-root-link`));
    expect(root).toBeInstanceOf(AdapterConfigError);
    expect(root.message).toMatch(/documents\.root: the folder .*-root-link cannot be opened \(.*NT_STATUS_OBJECT_NAME_NOT_FOUND/);
  });

  it('follows a link to elsewhere in the same share, as the documentation says', async () => {
    const store = await openSmb(options);
    expect(await readAll(await store.open('links/elsewhere.pdf'))).toEqual(fakePdf('elsewhere in the share'));
    expect(await readAll(await store.open('links/inside.pdf'))).toEqual(fakePdf('FA-1'));
    await store.close();
  });

  it('lists a tree holding a link up to one of its own folders once, without going round it', async () => {
    const store = await openSmb(options);
    const listed = await names(store);
    expect(listed.filter((p) => p.endsWith('FA-1.pdf'))).toEqual(['FA-1.pdf']);
    expect(listed.filter((p) => p.includes('loop'))).toEqual([]);
    await store.close();
  });

  it('follows no link at all on a share with follow symlinks = no', async () => {
    const store = await openSmb(smbOptions(`\\\\${samba().host}\\${samba().noLinksShare}\\${path.basename(dir)}`));
    for (const p of ['links/elsewhere.pdf', 'links/inside.pdf', 'links/out-of-share.pdf']) {
      await expect(store.open(p)).rejects.toMatchObject({ kind: 'not_found' });
    }
    expect((await names(store)).filter((p) => p.startsWith('links/'))).toEqual([]);
    expect(await readAll(await store.open('FA-1.pdf'))).toEqual(fakePdf('FA-1'));
    await store.close();
  });
});

// With the platform faked; the share is read through Windows for real under Wine in test/windows/cases.ts.
describe('on Windows', () => {
  it('reads the share through Windows as a UNC path, with the account that runs the task', async () => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { value: 'win32' });
    const warnings: string[] = [];
    try {
      const e = await smbAdapter
        .open(smbOptions('\\\\FILESRV\\Factures\\2024'), { baseDir: '/', log: { debug() {}, info() {}, warn: (_o, m) => void warnings.push(m ?? '') } })
        .catch((x: unknown) => x);
      // This machine has no \\FILESRV: the local store (UNC root) says so, smbclient is not involved.
      expect(e).toBeInstanceOf(AdapterConfigError);
      expect((e as Error).message).toMatch(/documents\.root: the folder .*FILESRV.*Factures.*2024 does not exist/);
      expect(warnings.join('\n')).toMatch(/username and documents\.password are not used on Windows/);
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
  });
});

describe('through a failing network', () => {
  let proxy: Proxy;
  beforeAll(async () => {
    proxy = await startProxy(samba().port);
  });
  afterAll(() => proxy.close());

  it('fails a transfer cut mid-way with connection_lost, never with a short file', async () => {
    const store = await openSmb({ ...options, port: proxy.port, timeoutSeconds: 3, retries: 0 });
    // The file lands whole before open() hands it out, so the cut fails open() itself.
    proxy.whenDownstream(proxy.downstream + 8 * MiB, () => proxy.drop());
    const e = await store
      .open('huge.pdf')
      .then(readAll)
      .catch((x: unknown) => x);
    expect(e instanceof DocumentError, `got ${e instanceof Buffer ? `${e.length} bytes` : String(e)}`).toBe(true);
    expect((e as DocumentError).kind, (e as Error).message).toBe('connection_lost');
    // The next file gets a new session.
    const again = createHash('sha256').update(await readAll(await store.open('large.pdf'))).digest('hex');
    await rm(path.join(dir, 'huge.pdf'));
    expect(again).toBe(createHash('sha256').update(fakePdf('large', 16 * MiB)).digest('hex'));
  });

  it('starts a transfer again when the connection drops before its first byte', async () => {
    const store = await openSmb({ ...options, port: proxy.port });
    const before = proxy.accepted;
    proxy.whenDownstream(proxy.downstream + 2 * MiB, () => proxy.drop());
    const bytes = await readAll(await store.open('large.pdf'));
    expect(bytes.equals(fakePdf('large', 16 * MiB))).toBe(true);
    expect(proxy.accepted - before).toBe(2);
  });

  it('ends a request to a server that stops answering and reports connection_lost', async () => {
    const store = await openSmb({ ...options, port: proxy.port, timeoutSeconds: 1, retries: 0 });
    proxy.whenDownstream(proxy.downstream + 200, () => proxy.freeze());
    const started = Date.now();
    await expect(store.stat('FA-1.pdf')).rejects.toMatchObject({ kind: 'connection_lost' });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('reports connection_lost when the server goes away, after retrying', async () => {
    const store = await openSmb({ ...options, port: proxy.port, retries: 1 });
    proxy.refuse(true);
    try {
      await expect(store.open('FA-1.pdf')).rejects.toMatchObject({ kind: 'connection_lost' });
      await expect(store.stat('FA-1.pdf')).rejects.toMatchObject({ kind: 'connection_lost' });
    } finally {
      proxy.refuse(false);
    }
    expect((await store.stat('FA-1.pdf')).size).toBe(fakePdf('FA-1').length);
  });
});

// A wrapper records each smbclient it starts (its pid, which exec keeps, its folder and its
// arguments), then becomes the real one.
async function recordingSmbclient(): Promise<{ program: string; sessions(): Promise<{ pid: number; cwd: string }[]>; remove(): Promise<void> }> {
  const bin = await mkdtemp(path.join(os.tmpdir(), 'cnx-smbclient-'));
  const log = path.join(bin, 'started');
  const program = path.join(bin, 'smbclient');
  await writeFile(program, `#!/bin/sh\nprintf '%s|%s|%s\\n' "$$" "$(pwd)" "$*" >> '${log}'\nexec /usr/bin/smbclient "$@"\n`);
  await chmod(program, 0o700);
  return {
    program,
    // Sessions have -E (every line on stderr); the check made at open and --version do not.
    sessions: async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .map((l) => l.split('|'))
        .filter((f) => f.length === 3 && / -E( |$)/.test(f[2]!))
        .map(([pid, cwd]) => ({ pid: Number(pid), cwd: cwd! })),
    remove: () => rm(bin, { recursive: true, force: true }),
  };
}

const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('smbclient sessions', () => {
  const many = Array.from({ length: 24 }, (_, i) => `many/FA-${i}.pdf`);
  beforeAll(async () => {
    await mkdir(path.join(dir, 'many'), { mode: 0o755 });
    for (const [i, n] of many.entries()) await writeFile(path.join(dir, n), fakePdf(`many ${i}`, 20_000 + i), { mode: 0o644 });
  });

  it('serves many checks and reads from a few long-lived smbclient processes, and leaves neither a process nor a file after close', async () => {
    const smbclient = await recordingSmbclient();
    try {
      const store = await SmbStore.open({ unc: parseUnc(options.root)!, options, program: smbclient.program });
      const results = await Promise.all(
        many.map(async (n, i) => {
          const { size } = await store.stat(n);
          const bytes = await readAll(await store.open(n));
          return size === bytes.length && bytes.equals(fakePdf(`many ${i}`, 20_000 + i));
        }),
      );
      expect(results.every(Boolean)).toBe(true);
      const sessions = await smbclient.sessions();
      // 48 requests, at most `transfers` processes.
      expect(sessions.length).toBeGreaterThan(0);
      expect(sessions.length).toBeLessThanOrEqual(options.transfers);
      // Without a run's work folder, a private one of the store's own.
      const folder = sessions[0]!.cwd;
      expect(path.dirname(folder)).toBe(os.tmpdir());
      expect((await stat(folder)).mode & 0o777).toBe(0o700);
      expect(await readdir(folder)).toEqual([]);
      await store.close();
      expect(sessions.filter((s) => running(s.pid))).toEqual([]);
      await expect(stat(folder)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await smbclient.remove();
    }
  });

  it('sizes the documents of a folder from one listing of it, and asks allinfo only of what the listing does not show', async () => {
    // The commands the sessions receive, on their standard input.
    const bin = await mkdtemp(path.join(os.tmpdir(), 'cnx-smbclient-'));
    const commands = path.join(bin, 'commands');
    const program = path.join(bin, 'smbclient');
    await writeFile(program, `#!/bin/sh\ntee -a '${commands}' | /usr/bin/smbclient "$@"\n`);
    await chmod(program, 0o700);
    try {
      const store = await SmbStore.open({ unc: parseUnc(options.root)!, options, program });
      try {
        const sizes = await Promise.all(many.map(async (n) => (await store.stat(n)).size));
        expect(sizes).toEqual(many.map((_, i) => fakePdf(`many ${i}`, 20_000 + i).length));
        // Another case than the file's: the listing does not name it so, the server finds it.
        expect((await store.stat('many/fa-3.PDF')).size).toBe(fakePdf('many 3', 20_003).length);
        await expect(store.stat('many/none.pdf')).rejects.toMatchObject({ kind: 'not_found' });
        await expect(store.stat('many')).rejects.toMatchObject({ kind: 'unreadable' });
      } finally {
        await store.close();
      }
      const sent = (await readFile(commands, 'utf8')).split('\n').map((l) => l.split(' ')[0]);
      expect(sent.filter((c) => c === 'ls')).toHaveLength(2);
      expect(sent.filter((c) => c === 'allinfo')).toHaveLength(3);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });

  it("lands files in the run's work folder, never more than eight ahead of the reader, each removed once read or dropped", async () => {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'cnx-work-'));
    try {
      const store = await smbAdapter.open({ ...options, transfers: 1 }, { baseDir: process.cwd(), log: silentLogger, workDir });
      const opens = many.slice(0, 12).map((n) => store.open(n));
      const first = await Promise.all(opens.slice(0, 8));
      // One session, requests in the order they came: had the ninth file not been held back, it
      // would have landed before this check's answer came.
      await store.stat(many[0]!);
      const [landing, ...others] = await readdir(workDir);
      expect(others).toEqual([]);
      const folder = path.join(workDir, landing!);
      expect((await stat(folder)).mode & 0o777).toBe(0o700);
      expect(await readdir(folder)).toHaveLength(8);
      // One read to the end, one dropped unread: their files go, two more land, no more.
      expect((await readAll(first[0]!)).equals(fakePdf('many 0', 20_000))).toBe(true);
      first[1]!.destroy();
      await Promise.all(opens.slice(8, 10));
      await store.stat(many[0]!);
      expect(await readdir(folder)).toHaveLength(8);
      // The store closes with files unread and two requests waiting for a place: they fail, and
      // nothing is left in the work folder.
      const late = Promise.allSettled(opens.slice(10));
      await store.close();
      expect((await late).map((r) => (r.status === 'rejected' ? (r.reason as DocumentError).kind : 'read'))).toEqual(['connection_lost', 'connection_lost']);
      expect(await readdir(workDir)).toEqual([]);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  it('refuses a path longer than smbclient reads as one command, which would run the rest as a command of its own', async () => {
    const store = await openSmb(options);
    const witness = path.join('/tmp', `cnx-split-command-${process.pid}-${Math.random().toString(36).slice(2)}`);
    // smbclient reads 8191 bytes of a line; the rest of this one, read as a line of its own, is a
    // shell command (a line starting with "!"), written without slashes, which would split the path.
    const prefix = `allinfo "\\${parseUnc(options.root)!.folder.join('\\')}\\`;
    const name = `${'x'.repeat(8191 - prefix.length)}!${'cd ..;'.repeat(30)}cd tmp;touch ${path.basename(witness)} #`;
    for (const op of ['stat', 'open'] as const) {
      const e = await store[op](name).catch((x: unknown) => x as DocumentError);
      expect(e).toMatchObject({ kind: 'unreadable' });
      expect((e as Error).message).toMatch(/too long for smbclient/);
    }
    // An ordinary request after it: the store is fine, and nothing ran.
    expect((await store.stat('FA-1.pdf')).size).toBe(fakePdf('FA-1').length);
    await store.close();
    await expect(stat(witness)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('ends a transfer that goes silent, reports it lost, and reads the next file through a new session', async () => {
    const proxy = await startProxy(samba().port);
    try {
      const store = await openSmb({ ...options, port: proxy.port, timeoutSeconds: 1, retries: 0 });
      proxy.whenDownstream(proxy.downstream + 2 * MiB, () => proxy.freeze());
      await expect(store.open('large.pdf')).rejects.toMatchObject({ kind: 'connection_lost' });
      expect(await readAll(await store.open('FA-1.pdf'))).toEqual(fakePdf('FA-1'));
      await store.close();
    } finally {
      await proxy.close();
    }
  });

  it('fails only the file a killed session was fetching; the next request starts a new session', async () => {
    const smbclient = await recordingSmbclient();
    const proxy = await startProxy(samba().port);
    try {
      const s = await SmbStore.open({ unc: parseUnc(options.root)!, options: { ...options, port: proxy.port, transfers: 1, retries: 0 }, program: smbclient.program });
      // The connection stops mid-transfer, so the session is surely busy with large.pdf when killed.
      proxy.whenDownstream(proxy.downstream + 2 * MiB, () => {
        proxy.freeze();
        void smbclient.sessions().then((x) => process.kill(x[0]!.pid, 'SIGKILL'));
      });
      const large = s.open('large.pdf');
      const after = [s.stat('FA-1.pdf'), s.open('FA-1.pdf').then(readAll)];
      await expect(large).rejects.toMatchObject({ kind: 'connection_lost' });
      const [info, bytes] = await Promise.all(after);
      expect(info).toEqual({ size: fakePdf('FA-1').length });
      expect(bytes).toEqual(fakePdf('FA-1'));
      const sessions = await smbclient.sessions();
      expect(sessions).toHaveLength(2);
      expect(await readdir(sessions[1]!.cwd)).toEqual([]);
      await s.close();
      expect(sessions.filter((x) => running(x.pid))).toEqual([]);
    } finally {
      await proxy.close();
      await smbclient.remove();
    }
  });
});
