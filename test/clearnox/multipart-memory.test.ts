// The pitfall this guards: fetch may buffer a FormData body whole (undici #963, #2202). An
// archive of up to 100 MiB must stream from disk. The server runs in a child process so the
// RSS measured here is the client's alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ClearnoxClient } from '../../src/clearnox/client.js';

const FILE_BYTES = 200 * 1024 * 1024;

// Answers a token, then counts the upload's bytes without keeping them and reports the count.
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/oauth/token') {
    req.resume();
    req.on('end', () => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ access_token: 'tok-memory', token_type: 'Bearer', expires_in: 3600 })); });
    return;
  }
  let bytes = 0;
  req.on('data', (c) => { bytes += c.length; });
  req.on('end', () => {
    res.statusCode = 202;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ importId: 'imp_' + bytes + '_' + (req.headers['content-length'] || 'none') + '_' + (req.headers['transfer-encoding'] || 'none'), status: 'processing' }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

let dir: string;
let archive: string;
let server: ChildProcess;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearnox-mem-'));
  archive = join(dir, 'big.zip');
  const fh = await open(archive, 'w');
  await fh.truncate(FILE_BYTES); // sparse: costs no disk, reads back as zeros
  await fh.close();
  server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(server.stdout!, 'data')) as [Buffer];
  port = Number(chunk.toString().trim());
});

afterAll(async () => {
  server?.kill();
  await rm(dir, { recursive: true, force: true });
});

it('streams a 200 MB archive from disk without holding it in memory', async () => {
  const client = new ClearnoxClient({ baseUrl: `http://127.0.0.1:${port}`, clientId: 'id', clientSecret: 'secret-memory' });
  // Warm-up (modules, token, connection) so that the measure is the upload's alone.
  const small = join(dir, 'small.zip');
  await writeFile(small, Buffer.alloc(1024));
  await client.uploadArchive(small, 'mem-warm-up');
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const accepted = await client.uploadArchive(archive, 'mem-test-1');
    const [, received, contentLength, transferEncoding] = accepted.importId.split('_');
    // Body = file + multipart framing; a known Content-Length, not chunked.
    expect(Number(received)).toBeGreaterThan(FILE_BYTES);
    expect(Number(received) - FILE_BYTES).toBeLessThan(1024);
    expect(contentLength).toBe(received);
    expect(transferEncoding).toBe('none');
  } finally {
    clearInterval(sampler);
    await client.close();
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  const growthMiB = (peak - before) / 1024 / 1024;
  console.log(`multipart upload of ${FILE_BYTES / 1024 / 1024} MiB: RSS before ${(before / 1048576).toFixed(1)} MiB, peak ${(peak / 1048576).toFixed(1)} MiB, growth ${growthMiB.toFixed(1)} MiB`);
  expect(growthMiB).toBeLessThan(100);
});
