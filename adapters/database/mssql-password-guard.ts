// A SQL Server login's password travels in tedious's Login7 packet, merely obfuscated (a nibble
// swap and an XOR anyone can undo). tedious encrypts that packet only when the server answers the
// prelogin with encryption on; a server answering "off" or "not supported" (or encrypt: false)
// gets the password as good as in clear, whatever `encrypt` and the certificate say. The guard is
// tedious's `connector` option: the socket it returns refuses to carry a Login7 packet itself.
// Inside TLS a Login7 is never seen there, since every TLS record begins with a byte of 20-23.
// tedious's own connector (lib/connector.js) still makes the connection;
// test/adapters/database/rogue-mssql.test.ts fails if a tedious version changes either.
import type net from 'node:net';

const LOGIN7 = 0x10;

/** tedious's connector option; `connectInSequence` of tedious/lib/connector.js is one. */
export type SocketConnector = (options: { host: string; port: number }, lookup: unknown, signal: AbortSignal) => Promise<net.Socket>;

export function login7GuardedConnector(connectInSequence: SocketConnector, refusal: () => Error): SocketConnector {
  return async (options, lookup, signal) => {
    const socket = await connectInSequence(options, lookup, signal);
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk) && chunk[0] === LOGIN7) {
        socket.destroy(refusal());
        return false;
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
}
