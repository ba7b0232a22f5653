// The one place that knows the concrete adapters (the registry): the CLI, the demo and the
// schema generator take their sets from here, the core never imports an adapter itself.
// A new adapter is one folder entry plus one line in the lists below.
import type { AdapterSets } from '../src/mapping/schema.js';
import { databaseStoreAdapter } from './database/blob-store.js';
import { mssqlAdapter } from './database/mssql.js';
import { mysqlAdapter } from './database/mysql.js';
import { noneAdapter } from './database/none.js';
import { postgresAdapter } from './database/postgres.js';
import { sqliteAdapter } from './database/sqlite.js';
import { localAdapter } from './documents/local.js';
import { sftpAdapter } from './documents/sftp/store.js';
import { smbAdapter } from './documents/smb/store.js';

export function builtinAdapters(): AdapterSets {
  return {
    databases: [sqliteAdapter, postgresAdapter, mysqlAdapter, mssqlAdapter, noneAdapter],
    stores: [localAdapter, sftpAdapter, smbAdapter, databaseStoreAdapter],
  };
}
