// The client's uploads, in a process of its own so that its peak memory is the client's alone.
// As in a run, the token and the connection come first (the pages are read before any upload),
// and the archives are sent one after the other by the same process: one upload per line of
// standard input (its Idempotency-Key), each answered with a line `UPLOAD {"ms", "importId"}`
// timing uploadArchive from the request to the 202; `RESULT` with the peak memory at the end.
import { createInterface } from 'node:readline';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { reportResult } from './measure.js';

const [baseUrl, archive] = process.argv.slice(2);
const client = new ClearnoxClient({ baseUrl: baseUrl!, clientId: 'sandbox-client', clientSecret: process.env.BENCH_SECRET!, requestsPerSecond: Infinity });
try {
  await client.listMissingEntries();
  for await (const idempotencyKey of createInterface({ input: process.stdin })) {
    const started = process.hrtime.bigint();
    const accepted = await client.uploadArchive(archive!, idempotencyKey);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(`UPLOAD ${JSON.stringify({ ms, importId: accepted.importId })}\n`);
  }
} finally {
  await client.close();
}
reportResult({});
