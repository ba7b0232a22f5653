// node-postgres answers a cleartext or an MD5 password request through its Connection's
// password(), the only message that carries the password or a hash that logs in as well (SCRAM
// sends a proof through other messages). pg 8 offers no hook before that answer: its `stream`
// option, a function, is the one seam, since the Connection's constructor calls it as its own
// method (`this.stream(config)`), before any message. The guard wraps password() there.
// test/adapters/database/postgres-password-guard.test.ts fails if a pg version changes this.
import { EventEmitter } from 'node:events';
import net from 'node:net';

interface PgConnection extends EventEmitter {
  password(value: string): void;
  stream: { destroy(): void };
}

/**
 * A `stream` option for pg's Client: a plain socket, as pg's own, on a Connection whose password
 * messages go out only when `refusal` (given the socket then in use, TLS or not) returns nothing.
 */
export function passwordGuardedStream(refusal: (stream: unknown) => Error | null): () => net.Socket {
  return function stream(this: unknown) {
    const connection = this as Partial<PgConnection> | undefined;
    if (!(connection instanceof EventEmitter) || typeof connection.password !== 'function') {
      // Without the guard a rogue server could have the password: refuse to connect at all.
      throw new Error('node-postgres did not create its socket from its Connection: the password guard of adapters/database/postgres-password-guard.ts must be adapted to this pg version.');
    }
    const conn = connection as PgConnection;
    const send = conn.password.bind(conn);
    conn.password = (value: string) => {
      const refused = refusal(conn.stream);
      if (!refused) return send(value);
      conn.emit('error', refused);
      conn.stream.destroy();
    };
    return new net.Socket();
  };
}
