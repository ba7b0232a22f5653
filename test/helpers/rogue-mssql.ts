// A server that passes for SQL Server just long enough to answer the prelogin with encryption
// "off" or "not supported", and keeps everything the client sends after: a client that goes on
// would hand it the login's password, merely obfuscated.
import { listenLocally } from './local-listener.js';
import type { RogueServer } from './rogue-postgres.js';

export interface RogueMssql extends Omit<RogueServer, 'answers'> {
  /** Whether a Login7 packet arrived (type 0x10), the packet carrying a SQL login's password. */
  loginReceived(): boolean;
}

const ENCRYPTION = { off: 0x00, not_supported: 0x02 } as const;

/** TDS's obfuscation of a Login7 password: UCS-2, each byte's nibbles swapped, XOR 0xA5. */
export function obfuscated(password: string): Buffer {
  return Buffer.from(Buffer.from(password, 'ucs2').map((b) => (((b & 0x0f) << 4) | (b >> 4)) ^ 0xa5));
}

function preloginAnswer(encryption: number): Buffer {
  // Options VERSION (6 bytes at 11) and ENCRYPTION (1 byte at 17), then the terminator.
  const payload = Buffer.from([0x00, 0x00, 11, 0x00, 6, 0x01, 0x00, 17, 0x00, 1, 0xff, 15, 0, 0x07, 0xd0, 0, 0, encryption]);
  const head = Buffer.from([0x04, 0x01, 0, 0, 0, 0, 1, 0]);
  head.writeUInt16BE(head.length + payload.length, 2);
  return Buffer.concat([head, payload]);
}

export async function rogueMssql(opts: { encryption: keyof typeof ENCRYPTION }): Promise<RogueMssql> {
  const chunks: Buffer[] = [];
  let login = false;
  const listener = await listenLocally((socket) => {
    socket.on('data', (data) => {
      chunks.push(data);
      if (data[0] === 0x12) socket.write(preloginAnswer(ENCRYPTION[opts.encryption]));
      if (data[0] === 0x10) {
        login = true;
        socket.destroy();
      }
    });
  });
  return {
    port: listener.port,
    received: () => Buffer.concat(chunks),
    loginReceived: () => login,
    close: listener.close,
  };
}
