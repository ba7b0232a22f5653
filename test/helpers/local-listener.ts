// What the rogue servers share: a TCP server on 127.0.0.1, on a free port, that closes with every
// connection it still has (a client refused mid-handshake may keep its socket open).
import net from 'node:net';

export interface LocalListener {
  port: number;
  close(): Promise<void>;
}

export async function listenLocally(serve: (socket: net.Socket) => void): Promise<LocalListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    serve(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
