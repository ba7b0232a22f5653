// The store conformance suite over the `database` store: PDFs kept in a SQLite BLOB column, read
// through the source's connection in slices.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { databaseStoreAdapter } from '../../../adapters/database/blob-store.js';
import { openSqlite } from '../../../adapters/database/sqlite-driver.js';
import { silentLogger } from '../../../src/log.js';
import { describeStoreConformance } from './conformance.js';

let parent: string | undefined;
afterAll(() => (parent ? rm(parent, { recursive: true, force: true }) : undefined));

describeStoreConformance(
  'database (SQLite BLOB)',
  async () => {
    parent = await mkdtemp(path.join(os.tmpdir(), 'cnx-blob-store-'));
    const dir = path.join(parent, 'root');
    await mkdir(dir);
    const file = path.join(parent, 'erp.sqlite');
    const db = await openSqlite(file, { create: true });
    // No key on path: two rows for one path is a case the store must tell.
    db.exec('CREATE TABLE documents (path TEXT NOT NULL, content BLOB)');
    const insert = db.prepare('INSERT INTO documents VALUES (?, ?)');
    return {
      dir,
      rows: { put: async (p, content) => void insert.run(p, content) },
      open: async () => {
        db.close();
        const options = databaseStoreAdapter.optionsSchema.parse({ query: 'SELECT content FROM documents WHERE path = :path' });
        return databaseStoreAdapter.open(options, { baseDir: parent!, log: silentLogger, source: { type: 'sqlite', path: 'erp.sqlite' } });
      },
    };
  },
  { permissions: false, rows: true },
);
