// The program as one CommonJS file, for Node's single-executable applications: an executable
// loads nothing from node_modules, only built-in modules and what this file holds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { ROOT } from './root.js';


// Left out, and never reached by the executable:
// - better-sqlite3 is native; there SQLite goes through node:sqlite (adapters/database/sqlite-driver.ts);
// - knex's dialects name drivers the project does not use (its mysql, sqlite3, oracledb, mariadb);
// - pg-native, and ssh2's cpu-features and sshcrypto.node, are native speed-ups whose absence
//   each library handles by falling back to JavaScript.
const EXTERNAL = ['better-sqlite3', 'sqlite3', 'oracledb', 'mysql', 'mariadb', 'mariadb/callback', 'pg-native', 'pg-query-stream', 'cpu-features'];

const nativeAddons: Plugin = {
  name: 'native-addons',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, external: true }));
  },
};

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The program (src/cli/main.ts), or another entry point such as the packing worker. */
export async function bundle(outfile: string, entry = 'src/cli/main.ts'): Promise<Metafile> {
  const result = await build({
    entryPoints: [path.join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: EXTERNAL,
    plugins: [nativeAddons],
    define: {
      CLEARNOX_SYNC_VERSION: JSON.stringify(packageVersion()),
      'import.meta.url': 'import_meta_url',
    },
    // In CommonJS import.meta is empty; src/install.ts finds its files from it outside the executable.
    banner: { js: 'var import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    // The bundle is read by people who debug a customer's failure; names keep stacks legible.
    minify: false,
    sourcemap: false,
  });
  return result.metafile;
}
