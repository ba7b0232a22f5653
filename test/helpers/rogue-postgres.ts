// A server that passes for PostgreSQL just long enough to ask for the password, in cleartext or
// as MD5, over TLS when it has a certificate, and keeps everything the client sends: what an
// impostor at the database's address would do.
import type net from 'node:net';
import tls from 'node:tls';
import { listenLocally } from './local-listener.js';

export interface RogueServer {
  port: number;
  /** Every byte received, before and after TLS. */
  received(): Buffer;
  /** The answers to the password request (the password, or md5 and its hash). */
  answers: string[];
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const int32 = (...values: number[]) => Buffer.concat(values.map((v) => Buffer.from([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255])));

function authenticationRequest(ask: 'cleartext' | 'md5'): Buffer {
  return ask === 'cleartext' ? message('R', int32(3)) : message('R', Buffer.concat([int32(5), Buffer.from([1, 2, 3, 4])]));
}

const refusal = message('E', Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed\0\0', 'latin1'));

export async function roguePostgres(opts: { ask: 'cleartext' | 'md5'; tls?: { cert: string; key: string } }): Promise<RogueServer> {
  const chunks: Buffer[] = [];
  const answers: string[] = [];

  function serve(stream: net.Socket): void {
    let buffer = Buffer.alloc(0);
    let started = false;
    const onData = (data: Buffer) => {
      chunks.push(data);
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8 || buffer.length < buffer.readInt32BE(0)) return;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(buffer.readInt32BE(0));
          if (code !== SSL_REQUEST) {
            started = true;
            stream.write(authenticationRequest(opts.ask));
            continue;
          }
          if (!opts.tls) {
            stream.write('N');
            continue;
          }
          stream.write('S');
          stream.off('data', onData);
          const secure = new tls.TLSSocket(stream, { isServer: true, secureContext: tls.createSecureContext(opts.tls) });
          secure.on('error', () => undefined);
          serve(secure);
          return;
        }
        if (buffer.length < 5 || buffer.length < 1 + buffer.readInt32BE(1)) return;
        const type = String.fromCharCode(buffer[0]!);
        const body = buffer.subarray(5, 1 + buffer.readInt32BE(1));
        buffer = buffer.subarray(1 + buffer.readInt32BE(1));
        if (type === 'p') {
          answers.push(body.toString('utf8').replace(/\0$/, ''));
          stream.end(refusal);
          return;
        }
      }
    };
    stream.on('data', onData);
  }

  const listener = await listenLocally(serve);
  return {
    port: listener.port,
    received: () => Buffer.concat(chunks),
    answers,
    close: listener.close,
  };
}
