// Whole runs against a sandbox, from a mapping file the test writes: the clearnox section and the
// load-connect-run steps every such test shares, written once.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { builtinAdapters } from '../../adapters/index.js';
import { ClearnoxClient } from '../../src/clearnox/client.js';
import { silentLogger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import type { LoadedMapping } from '../../src/mapping/schema.js';
import type { RunReport } from '../../src/pipeline/report.js';
import { runSync } from '../../src/pipeline/run.js';
import type { SandboxHandle } from '../../src/sandbox/server.js';

export const SANDBOX_CLIENT_ID = 'sandbox-client';
export const SANDBOX_CLIENT_SECRET = 'sandbox-secret';
/** The variable the written mapping files read the client secret from. */
export const SANDBOX_SECRET_ENV = 'CNX_SANDBOX_SECRET';

/** The `clearnox:` section of a mapping file aimed at `baseUrl`; `extra` holds more of its keys, indented. */
/** The `source` section of the test ERPs that keep each invoice's PDF path in an invoices table. */
export const SQLITE_INVOICES_SOURCE = `source:
  type: sqlite
  path: erp.sqlite
  query: SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)
  pathColumn: path
`;

export function clearnoxYaml(baseUrl: string, opts: { secretEnv?: string; clientId?: string; extra?: string } = {}): string {
  return (
    `clearnox:\n  baseUrl: ${baseUrl}\n  clientId: ${opts.clientId ?? SANDBOX_CLIENT_ID}\n` +
    `  clientSecret: \${env:${opts.secretEnv ?? SANDBOX_SECRET_ENV}}\n${opts.extra ?? ''}`
  );
}

/**
 * Writes `dir/mapping.yaml` (the clearnox section, then `rest`: source, documents, ...) and runs
 * it once against the sandbox. `env` adds the variables `rest` refers to (a database password).
 */
export async function runMappingOnce(
  dir: string,
  sandbox: SandboxHandle,
  rest: string,
  env: Record<string, string> = {},
): Promise<{ report: RunReport; loaded: LoadedMapping }> {
  const file = path.join(dir, 'mapping.yaml');
  await writeFile(file, `version: 1\n${clearnoxYaml(sandbox.url)}${rest}`);
  const adapters = builtinAdapters();
  const loaded = await loadMapping(file, adapters, { env: { ...process.env, [SANDBOX_SECRET_ENV]: SANDBOX_CLIENT_SECRET, ...env } });
  const api = new ClearnoxClient({ baseUrl: sandbox.url, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, log: silentLogger });
  try {
    return { report: await runSync({ loaded, api, log: silentLogger }), loaded };
  } finally {
    await api.close();
  }
}
