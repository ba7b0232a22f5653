// Fetches a list of files from a document store into a local folder, in a process of its own so
// that its peak memory is the store's alone. Each file goes through the same checks as a run
// (stat, %PDF- and size) and is streamed to disk, as sftp -b writes it.
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { localAdapter } from '../../adapters/documents/local.js';
import { sftpAdapter } from '../../adapters/documents/sftp/store.js';
import { smbAdapter } from '../../adapters/documents/smb/store.js';
import type { DocumentStoreAdapter } from '../../adapters/types.js';
import { silentLogger } from '../../src/log.js';
import { openPdf, statDocument } from '../../src/pipeline/document-check.js';
import { reportResult } from './measure.js';

const [type, optionsJson, listFile, outDir, concurrencyArg] = process.argv.slice(2);
// The store alone: the database drivers the CLI also loads would weigh on start-up and memory.
const adapters: Record<string, DocumentStoreAdapter<any>> = { local: localAdapter, sftp: sftpAdapter, smb: smbAdapter };
const adapter = adapters[type!]!;
const store = await adapter.open(adapter.optionsSchema.parse(JSON.parse(optionsJson!)), { baseDir: process.cwd(), log: silentLogger });
const files = (await readFile(listFile!, 'utf8')).split('\n').filter(Boolean);
const limit = pLimit(Number(concurrencyArg));
const max = 20 * 1024 * 1024;
let bytes = 0;
try {
  await Promise.all(
    files.map((f, i) =>
      limit(async () => {
        bytes += await statDocument(store, f, max);
        await pipeline(await openPdf(store, f, max), createWriteStream(path.join(outDir!, `${i}.pdf`)));
      }),
    ),
  );
} finally {
  await store.close();
}
reportResult({ files: files.length, bytes });
