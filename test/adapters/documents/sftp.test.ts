// The SFTP store against a real OpenSSH server: each way to log in, host-key pinning, errors the
// report tells apart, and the network failing under it (through a relay the test can cut).
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sftpAdapter } from '../../../adapters/documents/sftp/store.js';
import type { SftpOptions } from '../../../adapters/documents/sftp/options.js';
import { AdapterConfigError, CredentialsRefusedError, DocumentError, UntrustedServerError, type AdapterContext, type DocumentStore } from '../../../adapters/types.js';
import { openPdf } from '../../../src/pipeline/document-check.js';
import { UNKNOWN_HOST, answerUnknownHosts } from '../../helpers/dns.js';
import { fakePdf } from '../../helpers/pdf.js';
import { readAll } from './conformance.js';
import { openSftp, serverFolder, sftpOptions, sshd } from './sftp-fixture.js';
import { startProxy, type Proxy } from './tcp-proxy.js';

const MiB = 1024 * 1024;
let dir: string;

function capturingContext(): AdapterContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { baseDir: process.cwd(), warnings, log: { debug() {}, info() {}, warn: (_o, msg) => void warnings.push(msg ?? '') } };
}

async function refusal(options: SftpOptions): Promise<Error> {
  const store = await openSftp(options).catch((e: unknown) => e as Error);
  if (!(store instanceof Error)) {
    await store.close();
    throw new Error('the store opened');
  }
  return store;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  dir = await serverFolder('sftp');
  await writeFile(path.join(dir, 'FA-1.pdf'), fakePdf('FA-1'));
  await writeFile(path.join(dir, 'large.pdf'), fakePdf('large', 12 * MiB));
  for (let i = 0; i < 12; i++) await writeFile(path.join(dir, `m-${i}.pdf`), fakePdf(`m ${i}`, MiB + i));
});

describe('logging in', () => {
  const readsFa1 = async (options: SftpOptions) => {
    const store = await openSftp(options);
    try {
      expect(await readAll(await store.open('FA-1.pdf'))).toEqual(fakePdf('FA-1'));
    } finally {
      await store.close();
    }
  };

  it('with a password', () => readsFa1(sftpOptions(dir)));

  it('with a private key file', () => readsFa1(sftpOptions(dir, { password: undefined, privateKeyFile: sshd().keyFile })));

  it('with a private key protected by a passphrase', () =>
    readsFa1(sftpOptions(dir, { password: undefined, privateKeyFile: sshd().encryptedKeyFile, passphrase: sshd().passphrase })));

  it('through an SSH agent', () => readsFa1(sftpOptions(dir, { password: undefined, agent: sshd().agentSocket })));

  it('refuses a wrong password as refused credentials, naming the key and hiding the password', async () => {
    const e = await refusal(sftpOptions(dir, { password: 'not-the-password-42' }));
    expect(e).toBeInstanceOf(CredentialsRefusedError);
    expect(e.message).toMatch(/documents\.username.*refused the login of "cnxtest"/);
    expect(e.message).not.toContain('not-the-password-42');
  });

  it('refuses a wrong passphrase and a passphrase without a key', async () => {
    const wrong = await refusal(sftpOptions(dir, { password: undefined, privateKeyFile: sshd().encryptedKeyFile, passphrase: 'nope-nope' }));
    expect(wrong).toBeInstanceOf(AdapterConfigError);
    expect(wrong.message).toMatch(/documents\.privateKeyFile.*passphrase/);
    expect(wrong.message).not.toContain('nope-nope');
    const alone = await refusal(sftpOptions(dir, { passphrase: 'nope-nope' }));
    expect(alone.message).toMatch(/privateKeyFile is not/);
  });

  it('asks for a way to log in when none is given', async () => {
    const e = await refusal(sftpOptions(dir, { password: undefined }));
    expect(e.message).toMatch(/give password, privateKeyFile or agent/);
  });

  it('tells a missing root folder and a server that is not there apart', async () => {
    const root = await refusal(sftpOptions(path.join(dir, 'nope')));
    expect(root).toBeInstanceOf(AdapterConfigError);
    expect(root.message).toMatch(/documents\.root.*does not exist/);
    const proxy = await startProxy(sshd().port);
    const port = proxy.port;
    await proxy.close();
    const down = await refusal(sftpOptions(dir, { port }));
    expect(down).not.toBeInstanceOf(AdapterConfigError);
    expect(down).toMatchObject({ kind: 'connection_lost' });
    expect(down.message).toMatch(/refused the connection/);
  });

  it('says the host name is not known, naming it and the key to check', async () => {
    const restore = answerUnknownHosts();
    try {
      const e = await refusal(sftpOptions(dir, { host: UNKNOWN_HOST }));
      expect(e).toBeInstanceOf(AdapterConfigError);
      expect(e.message).toBe(`documents.host: the name "${UNKNOWN_HOST}" is not known to this machine's DNS. Check its spelling, or write the server's IP address.`);
    } finally {
      restore();
    }
  });
});

describe('host key pinning', () => {
  it('accepts the pinned key, also among several and written without the prefix', async () => {
    const bare = sshd().hostFingerprint.replace('SHA256:', '');
    const store = await openSftp(sftpOptions(dir, { hostKeyFingerprint: [sshd().otherFingerprint, bare] }));
    await store.close();
  });

  it('refuses an unknown server and shows the fingerprint to pin', async () => {
    const e = await refusal(sftpOptions(dir, { hostKeyFingerprint: undefined }));
    expect(e).toBeInstanceOf(UntrustedServerError);
    expect(e.message).toContain('documents.hostKeyFingerprint is not set');
    expect(e.message).toContain(`hostKeyFingerprint: "${sshd().hostFingerprint}"`);
    expect(e.message).toContain('ssh-ed25519');
  });

  it('refuses a changed key, showing both fingerprints', async () => {
    const e = await refusal(sftpOptions(dir, { hostKeyFingerprint: sshd().otherFingerprint }));
    expect(e).toBeInstanceOf(UntrustedServerError);
    expect(e.message).toMatch(/not the one in documents\.hostKeyFingerprint/);
    expect(e.message).toContain(sshd().hostFingerprint);
    expect(e.message).toContain(sshd().otherFingerprint);
  });

  it('refuses a fingerprint that is not SHA-256', async () => {
    const e = await refusal(sftpOptions(dir, { hostKeyFingerprint: 'MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48' }));
    expect(e.message).toMatch(/not a SHA-256 fingerprint/);
  });
});

describe('through a failing network', () => {
  let proxy: Proxy;
  let store: DocumentStore | undefined;
  beforeAll(async () => {
    proxy = await startProxy(sshd().port);
  });
  afterAll(async () => {
    await store?.close();
    await proxy.close();
  });
  const open = async (extra: Partial<SftpOptions> = {}, ctx = capturingContext()) => {
    await store?.close();
    store = await sftpAdapter.open(sftpOptions(dir, { port: proxy.port, ...extra }), ctx);
    return store;
  };

  it('finishes a file whose connection dropped mid-transfer, byte for byte, and says so in the log', async () => {
    const ctx = capturingContext();
    const s = await open({}, ctx);
    const stream = await openPdf(s, 'large.pdf', 20 * MiB);
    proxy.whenDownstream(proxy.downstream + 3 * MiB, () => proxy.drop());
    const before = proxy.accepted;
    expect(sha(await readAll(stream))).toBe(sha(fakePdf('large', 12 * MiB)));
    expect(proxy.accepted).toBeGreaterThan(before);
    expect(ctx.warnings.join('\n')).toMatch(/connection to 127\.0\.0\.1:\d+ lost/);
  });

  it('retries every file that was in flight when the connection dropped', async () => {
    const s = await open({ connections: 2, transfersPerConnection: 4 });
    proxy.whenDownstream(proxy.downstream + 4 * MiB, () => proxy.drop());
    const bytes = await Promise.all(Array.from({ length: 12 }, async (_, i) => readAll(await s.open(`m-${i}.pdf`))));
    bytes.forEach((b, i) => expect(sha(b)).toBe(sha(fakePdf(`m ${i}`, MiB + i))));
  });

  it('takes a frozen connection as lost after the operation timeout and goes on with a new one', async () => {
    const s = await open({ operationTimeoutSeconds: 1 });
    const stream = await s.open('large.pdf');
    proxy.whenDownstream(proxy.downstream + 2 * MiB, () => proxy.freeze());
    const started = Date.now();
    expect(sha(await readAll(stream))).toBe(sha(fakePdf('large', 12 * MiB)));
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('reports connection_lost when the server stays away, and the store gives up quickly', async () => {
    const s = await open({ retries: 2 });
    await s.stat('FA-1.pdf');
    proxy.refuse(true);
    try {
      proxy.drop();
      const failed = await s.open('FA-1.pdf').catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(DocumentError);
      expect((failed as DocumentError).kind).toBe('connection_lost');
      const stat = await s.stat('FA-1.pdf').catch((e: unknown) => e);
      expect((stat as DocumentError).kind).toBe('connection_lost');
    } finally {
      proxy.refuse(false);
    }
    // The same store recovers once the server is back.
    expect((await s.stat('FA-1.pdf')).size).toBe(fakePdf('FA-1').length);
  });

  it('fails a stream with connection_lost when no retry is allowed', async () => {
    const s = await open({ retries: 0 });
    const stream = await s.open('large.pdf');
    proxy.whenDownstream(proxy.downstream + 2 * MiB, () => proxy.drop());
    const e = await readAll(stream).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DocumentError);
    expect((e as DocumentError).kind).toBe('connection_lost');
  });

  it('opens no more connections than configured, one at a time, and closes them all', async () => {
    const s = await open({ connections: 2, transfersPerConnection: 3 });
    const before = proxy.accepted;
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, proxy.open)), 5);
    const all = await Promise.all(Array.from({ length: 12 }, async (_, i) => (await readAll(await s.open(`m-${i}.pdf`))).length));
    clearInterval(timer);
    expect(all).toEqual(Array.from({ length: 12 }, (_, i) => MiB + i));
    expect(proxy.accepted - before).toBeLessThanOrEqual(1); // one was open already; at most one more
    expect(peak).toBeLessThanOrEqual(2);
    await s.close();
    store = undefined;
    await expect.poll(() => proxy.open, { timeout: 5000 }).toBe(0);
  });

  it('closes its connection when opening fails after login', async () => {
    await store?.close();
    store = undefined;
    await expect.poll(() => proxy.open, { timeout: 5000 }).toBe(0);
    await expect(sftpAdapter.open(sftpOptions(path.join(dir, 'nope'), { port: proxy.port }), capturingContext())).rejects.toBeInstanceOf(AdapterConfigError);
    await expect.poll(() => proxy.open, { timeout: 5000 }).toBe(0);
  });
});
