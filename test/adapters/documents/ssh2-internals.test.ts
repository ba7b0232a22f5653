// What adapters/documents/sftp/ssh2-internals.ts reads from ssh2-sftp-client and ssh2 beyond
// their published API, checked against an SSH server of ssh2's own in this process: a version of
// either library that moves them fails here.
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type SFTPWrapper } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SftpConnection } from '../../../adapters/documents/sftp/connection.js';
import { ASSUMED_MAX_READ, maxReadLength, sshClientOf } from '../../../adapters/documents/sftp/ssh2-internals.js';

const { Client, Server, utils } = ssh2;

/** Lengths of the READ requests the server got, in order. */
const reads: number[] = [];
const sessions = new Set<Connection>();
let closed = 0;
let server: InstanceType<typeof Server>;
let port: number;

beforeAll(async () => {
  server = new Server({ hostKeys: [utils.generateKeyPairSync('ed25519').private] }, (conn) => {
    sessions.add(conn);
    conn.on('close', () => (closed += 1));
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () =>
      conn.on('session', (accept) =>
        accept().on('sftp', (accept) => {
          const sftp = accept() as SFTPWrapper;
          sftp.on('OPEN', (id) => sftp.handle(id, Buffer.from('h')));
          sftp.on('READ', (id, _handle, _offset, length) => {
            reads.push(length);
            sftp.data(id, Buffer.alloc(length, 0x25));
          });
          sftp.on('CLOSE', (id) => sftp.status(id, utils.sftp.STATUS_CODE.OK));
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of sessions) s.end();
  await new Promise((r) => server.close(r));
});

const config = () => ({ host: '127.0.0.1', port, username: 'reader', password: 'not-checked' });

describe("ssh2-sftp-client's ssh2 Client", () => {
  it('is in `client`, and destroying it closes the connection', async () => {
    const events: string[] = [];
    const client = new SftpClient('test', { error: () => events.push('error'), end: () => events.push('end'), close: () => events.push('close') });
    await client.connect(config());
    const ssh = sshClientOf(client);
    expect(ssh).toBeInstanceOf(Client);
    expect(ssh.setNoDelay(true)).toBe(ssh);
    const before = closed;
    ssh.destroy();
    await expect.poll(() => closed).toBe(before + 1);
    await expect.poll(() => events).toContain('close');
  });

  it('is refused by name when it is not there', () => {
    expect(() => sshClientOf({} as SftpClient)).toThrow(/ssh2-sftp-client no longer keeps its ssh2 Client in `client`/);
  });
});

describe("ssh2's read size of a session", () => {
  it('is what ssh2 sends one request for, and splits beyond', async () => {
    const conn = await SftpConnection.open(config(), 10_000, () => undefined);
    try {
      const max = conn.maxRead;
      // ssh2's size for a server that is not OpenSSH is below the size assumed without it.
      expect(max).not.toBe(ASSUMED_MAX_READ);
      const handle = await conn.openRead('/a.pdf');
      reads.length = 0;
      expect((await conn.read(handle, max, 0)).length).toBe(max);
      expect(reads).toEqual([max]);
      reads.length = 0;
      expect((await conn.read(handle, max + 1, 0)).length).toBe(max + 1);
      expect(reads).toEqual([max, 1]);
    } finally {
      await conn.end();
    }
  });

  it('is the assumed one on a session that does not say', () => {
    expect(maxReadLength({} as SFTPWrapper)).toBe(ASSUMED_MAX_READ);
  });
});
