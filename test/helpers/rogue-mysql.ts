// A server that passes for MySQL 8 just long enough to ask for the password itself: through
// mysql_clear_password, or through caching_sha2_password's full authentication or sha256_password
// with an RSA key of its own, which it then uses to decrypt what the client sends. Over TLS when
// it has a certificate. It keeps everything it receives and every password it recovers.
import { constants, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { listenLocally } from './local-listener.js';
import type { RogueServer } from './rogue-postgres.js';

export interface RogueMysql extends Omit<RogueServer, 'answers'> {
  /** Passwords the server recovered, sent as they are or decrypted with its own key. */
  passwords: string[];
  /** Its RSA public key, PEM, as a DBA would hand it out for pinning. */
  publicKeyPem: string;
  /** Statements received after a login it accepted (`fastPath`); each is answered with an error. */
  queries: string[];
}

export type MysqlAsk = 'mysql_clear_password' | 'caching_sha2_password' | 'sha256_password';

// CLIENT_LONG_PASSWORD, CONNECT_WITH_DB, PROTOCOL_41, TRANSACTIONS, SECURE_CONNECTION, PLUGIN_AUTH, PLUGIN_AUTH_LENENC_CLIENT_DATA
const CAPABILITIES = 0x1 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x80000 | 0x200000;
const CLIENT_SSL = 0x800;
const SCRAMBLE = Buffer.from('0123456789abcdefghij');

function packet(seq: number, payload: Buffer): Buffer {
  const head = Buffer.from([payload.length & 255, (payload.length >> 8) & 255, payload.length >> 16, seq & 255]);
  return Buffer.concat([head, payload]);
}

function greeting(withTls: boolean): Buffer {
  const caps = CAPABILITIES | (withTls ? CLIENT_SSL : 0);
  const flags = Buffer.alloc(2);
  return Buffer.concat([
    Buffer.from([10]),
    Buffer.from('8.0.36-rogue\0'),
    Buffer.from([1, 0, 0, 0]),
    SCRAMBLE.subarray(0, 8),
    Buffer.from([0]),
    (flags.writeUInt16LE(caps & 0xffff), Buffer.from(flags)),
    Buffer.from([255, 2, 0]),
    (flags.writeUInt16LE(caps >>> 16), Buffer.from(flags)),
    Buffer.from([21]),
    Buffer.alloc(10),
    SCRAMBLE.subarray(8),
    Buffer.from([0]),
    Buffer.from('caching_sha2_password\0'),
  ]);
}

// One key for every rogue of the process: making one takes a while on a busy machine.
let keyPair: { publicKey: KeyObject; privateKey: KeyObject } | undefined;

const OK = Buffer.from([0, 0, 0, 2, 0, 0, 0]);
const ACCESS_DENIED = Buffer.concat([Buffer.from([0xff, 0x15, 0x04]), Buffer.from('#28000Access denied for user')]);

/**
 * `fastPath`: caching_sha2_password accepts the scramble at once ("fast auth success"), as a real
 * server does for a user it has cached, and the login succeeds.
 */
export async function rogueMysql(opts: { ask: MysqlAsk; tls?: { cert: string; key: string }; fastPath?: boolean }): Promise<RogueMysql> {
  const { publicKey, privateKey } = (keyPair ??= generateKeyPairSync('rsa', { modulusLength: 2048 }));
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const chunks: Buffer[] = [];
  const passwords: string[] = [];
  const queries: string[] = [];

  const serve = (socket: net.Socket) => {
    let stream = socket;
    let buffer = Buffer.alloc(0);
    let step = 0;
    const reply = (seq: number, payload: Buffer) => stream.write(packet(seq + 1, payload));
    const onData = (data: Buffer) => {
      chunks.push(data);
      buffer = Buffer.concat([buffer, data]);
      while (buffer.length >= 4 && buffer.length >= 4 + buffer.readUIntLE(0, 3)) {
        const length = buffer.readUIntLE(0, 3);
        const seq = buffer[3]!;
        const payload = buffer.subarray(4, 4 + length);
        buffer = buffer.subarray(4 + length);
        if (step === 0 && length === 32 && payload.readUInt32LE(0) & CLIENT_SSL && opts.tls) {
          // The client's TLS hello may have come in the same read: TLS goes on over a stream fed
          // with what is left, then with the socket's data.
          const raw = stream;
          const tunnel = new Duplex({ read() {}, write: (chunk, _encoding, done) => void raw.write(chunk, done), final: (done) => (raw.end(), done()) });
          raw.off('data', onData);
          raw.on('data', (more: Buffer) => (chunks.push(more), tunnel.push(more)));
          if (buffer.length > 0) tunnel.push(buffer);
          buffer = Buffer.alloc(0);
          const secure = new tls.TLSSocket(tunnel as net.Socket, { isServer: true, secureContext: tls.createSecureContext(opts.tls) });
          secure.on('error', () => undefined);
          stream = secure;
          stream.on('data', onData);
          return;
        }
        step = answer(step, seq, payload, reply, stream);
      }
    };
    stream.on('data', onData);
    stream.write(packet(0, greeting(Boolean(opts.tls))));
  };

  // Returns the next step: 0 the handshake response, 1 the answer to the switch, 2 after
  // "perform full authentication", 3 after the key was sent, 5 logged in.
  function answer(step: number, seq: number, payload: Buffer, reply: (seq: number, p: Buffer) => void, stream: net.Socket): number {
    if (step === 0) {
      reply(seq, Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${opts.ask}\0`), SCRAMBLE, Buffer.from([0])]));
      return 1;
    }
    if (step === 5) {
      if (payload[0] === 3) queries.push(payload.subarray(1).toString('utf8'));
      reply(seq, Buffer.concat([Buffer.from([0xff, 0x28, 0x04]), Buffer.from('#42000Not a real server')]));
      return 5;
    }
    if (step === 1 && opts.ask === 'caching_sha2_password' && opts.fastPath) {
      reply(seq, Buffer.from([1, 3])); // fast auth success
      reply(seq + 1, OK);
      return 5;
    }
    if (step === 1 && opts.ask === 'caching_sha2_password') {
      reply(seq, Buffer.from([1, 4])); // perform full authentication
      return 2;
    }
    const requestsKey = payload.length === 1 && payload[0] === (opts.ask === 'caching_sha2_password' ? 2 : 1);
    if (requestsKey && opts.ask !== 'mysql_clear_password') {
      reply(seq, Buffer.concat([Buffer.from([1]), Buffer.from(publicKeyPem)]));
      return 3;
    }
    const recovered = step === 3 ? decrypt(payload, privateKey) : payload.toString('utf8').replace(/\0$/, '');
    if (recovered !== null) passwords.push(recovered);
    stream.end(packet(seq + 1, ACCESS_DENIED));
    return 4;
  }

  const listener = await listenLocally(serve);
  return {
    port: listener.port,
    received: () => Buffer.concat(chunks),
    passwords,
    publicKeyPem,
    queries,
    close: listener.close,
  };
}

function decrypt(encrypted: Buffer, key: KeyObject): string | null {
  try {
    const xored = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, encrypted);
    const clear = Buffer.from(xored.map((b, i) => b ^ SCRAMBLE[i % SCRAMBLE.length]!));
    return clear.toString('utf8').replace(/\0$/, '');
  } catch {
    return null;
  }
}
