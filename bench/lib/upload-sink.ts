// A server that answers a token, an empty list of entries and a 202 to any upload, reading and
// dropping the body: what an upload costs the sender when the receiver costs nothing, beside the
// sandbox, which parses, hashes, stores and checks the archive before it answers.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Sink {
  url: string;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  let uploads = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url === '/oauth/token') return json(200, { access_token: 'sink-token', token_type: 'Bearer', expires_in: 3600 });
      if (req.url?.startsWith('/api/v1/entries/without-document')) return json(200, { data: [], page: 1, pageSize: 1000, totalItems: 0, totalPages: 0 });
      return json(202, { importId: `imp_sink_${++uploads}`, status: 'completed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}
