// A TCP relay between a store and its server, so that a test can cut or freeze the connections
// that exist at a given moment (mid-transfer) while new ones still get through.
import net from 'node:net';

export interface Proxy {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Connections open now. */
  readonly open: number;
  /** Bytes relayed from the server to the store so far. */
  downstream: number;
  /** Destroys every connection open now. */
  drop(): void;
  /** Stops relaying on every connection open now, without closing them. */
  freeze(): void;
  /** Refuses new connections (closes them at once). */
  refuse(on: boolean): void;
  /** Calls `fn` once, when the server has sent more than `bytes` in total. */
  whenDownstream(bytes: number, fn: () => void): void;
  close(): Promise<void>;
}

/** `delayMs` holds every chunk that long in each direction: a network farther away than loopback. */
export async function startProxy(targetPort: number, delayMs = 0): Promise<Proxy> {
  const later = (fn: () => void) => (delayMs > 0 ? setTimeout(fn, delayMs) : fn());
  const pairs = new Set<{ a: net.Socket; b: net.Socket; frozen: boolean }>();
  let refusing = false;
  const watchers: { bytes: number; fn: () => void }[] = [];
  const server = net.createServer((client) => {
    proxy.accepted += 1;
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { a: client, b: upstream, frozen: false };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // Backpressure both ways, so that "bytes relayed" is close to what the store has taken.
    client.on('data', (d) => later(() => upstream.destroyed || upstream.write(d) || client.pause()));
    upstream.on('drain', () => pair.frozen || client.resume());
    client.on('drain', () => pair.frozen || upstream.resume());
    upstream.on('data', (d: Buffer) => {
      proxy.downstream += d.length;
      later(() => client.destroyed || client.write(d) || upstream.pause());
      for (const w of watchers.splice(0)) {
        if (proxy.downstream > w.bytes) w.fn();
        else watchers.push(w);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy: Proxy = {
    port: (server.address() as net.AddressInfo).port,
    accepted: 0,
    downstream: 0,
    get open() {
      return pairs.size;
    },
    drop() {
      for (const p of [...pairs]) {
        p.a.destroy();
        p.b.destroy();
      }
    },
    freeze() {
      for (const p of pairs) {
        p.frozen = true;
        p.a.removeAllListeners('data');
        p.b.removeAllListeners('data');
        p.a.pause();
        p.b.pause();
      }
    },
    refuse(on) {
      refusing = on;
    },
    whenDownstream(bytes, fn) {
      watchers.push({ bytes, fn });
    },
    close: () =>
      new Promise<void>((r) => {
        proxy.drop();
        server.close(() => r());
      }),
  };
  return proxy;
}
