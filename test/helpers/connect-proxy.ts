// A forward proxy as companies run them, on 127.0.0.1: it answers CONNECT, asks for Basic
// authentication when given credentials (407 otherwise), and joins every tunnel it opens to one
// local server, whatever host the client asked for. It records what it was asked.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface ConnectProxy {
  port: number;
  url: string;
  /** The host:port of each CONNECT, in order. */
  tunnels: string[];
  /** The Proxy-Authorization header of each CONNECT (undefined when none was sent). */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  /** Port on 127.0.0.1 that every tunnel leads to. */
  targetPort: number;
  /** Required of every CONNECT when given. */
  credentials?: { username: string; password: string };
  /** Answer every CONNECT with this status instead (403, 502, ...). */
  answer?: number;
  /** Speak TLS to the client (an https:// proxy) with this certificate. */
  tls?: { cert: string; key: string };
}

export async function startConnectProxy(opts: ConnectProxyOptions): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const sockets = new Set<net.Socket>();
  const expected = opts.credentials && `Basic ${Buffer.from(`${opts.credentials.username}:${opts.credentials.password}`).toString('base64')}`;
  const refuseRequest = (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(405).end();
  const server = opts.tls ? https.createServer(opts.tls, refuseRequest) : http.createServer(refuseRequest);
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on('error', () => undefined);
    tunnels.push(req.url!);
    authorizations.push(req.headers['proxy-authorization']);
    const refuse = (status: number, extra = '') => socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${extra}content-length: 0\r\n\r\n`);
    if (opts.answer) return refuse(opts.answer);
    if (expected && req.headers['proxy-authorization'] !== expected) return refuse(407, 'proxy-authenticate: Basic realm="corp"\r\n');
    const upstream = net.connect(opts.targetPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    tunnels,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
