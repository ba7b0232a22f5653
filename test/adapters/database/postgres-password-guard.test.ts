// The one place clearnox-sync relies on how node-postgres works inside: its Connection creates its
// socket by calling the `stream` option as its own method, and answers a cleartext or MD5 request
// through that Connection's password(). If a pg version changes either, this fails (and the guard
// refuses to connect rather than let a password through).
import net from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { passwordGuardedStream } from '../../../adapters/database/postgres-password-guard.js';

const PgConnection = (pg as unknown as { Connection: { prototype: { password: unknown } } }).Connection;

describe('the seam of the PostgreSQL password guard', () => {
  it('pg calls the stream option as a method of the Client\'s Connection', () => {
    const seen: unknown[] = [];
    const client = new pg.Client({
      stream: function (this: unknown) {
        seen.push(this);
        return new net.Socket();
      },
    } as pg.ClientConfig);
    expect(seen).toEqual([(client as unknown as { connection: unknown }).connection]);
    expect(typeof PgConnection.prototype.password).toBe('function');
  });

  it('pg answers cleartext and MD5 requests through Connection.password()', () => {
    const source = String((pg.Client.prototype as unknown as Record<string, unknown>)['_handleAuthCleartextPassword']) +
      String((pg.Client.prototype as unknown as Record<string, unknown>)['_handleAuthMD5Password']);
    expect(source.match(/this\.connection\.password\(/g)).toHaveLength(2);
  });

  it('the guard is installed on the Connection, and refuses to connect where it cannot be', () => {
    const client = new pg.Client({ stream: passwordGuardedStream(() => new Error('refused')) } as pg.ClientConfig);
    expect((client as unknown as { connection: { password: unknown } }).connection.password).not.toBe(PgConnection.prototype.password);
    const unbound = passwordGuardedStream(() => null);
    expect(() => unbound.call(undefined)).toThrow(/password guard .* must be adapted to this pg version/);
  });
});
