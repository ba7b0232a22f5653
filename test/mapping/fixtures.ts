// Fake adapters so these tests do not depend on the real ones, and a valid mapping whose line
// numbers the tests rely on (keep them in step when editing BASE).
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { z } from 'zod';
import type { DatabaseAdapter, DocumentStoreAdapter } from '../../adapters/types.js';
import { MappingError } from '../../src/mapping/load.js';
import type { AdapterSets } from '../../src/mapping/schema.js';
import { connectionString, secret } from '../../src/mapping/secret-keys.js';

const notOpened = async (): Promise<never> => {
  throw new Error('not used in these tests');
};

const fakesql: DatabaseAdapter<{ path: string }> = {
  type: 'fakesql',
  description: 'A fake file database.',
  optionsSchema: z.object({ path: z.string().min(1) }),
  open: notOpened,
};
const fakemssql: DatabaseAdapter<{ connectionString: string }> = {
  type: 'fakemssql',
  description: 'A fake server database.',
  optionsSchema: z.object({ connectionString: connectionString(z.string().min(1)) }),
  open: notOpened,
};
const folder: DocumentStoreAdapter<{ root: string }> = {
  type: 'folder',
  description: 'A fake folder.',
  optionsSchema: z.object({ root: z.string().min(1) }),
  open: notOpened,
};
const sftp: DocumentStoreAdapter<{ host: string; password: string }> = {
  type: 'sftp',
  description: 'A fake SFTP server.',
  optionsSchema: z.object({ host: z.string().min(1), password: secret(z.string().min(1)) }),
  open: notOpened,
};

export const ADAPTERS: AdapterSets = { databases: [fakesql, fakemssql], stores: [folder, sftp] };

export const SECRET = 'cnx-very-secret-4711';
export const ENV = { CLEARNOX_CLIENT_SECRET: SECRET };

/** BASE up to its documents section, for a test that writes its own. */
export const BASE_BEFORE_DOCUMENTS = `clearnox:
  baseUrl: https://api.clearnox.test
  clientId: connector-1
  clientSecret: \${env:CLEARNOX_CLIENT_SECRET}
source:
  type: fakesql
  path: erp.db
  query: SELECT piece AS documentNumber, file FROM docs WHERE piece IN (:documentNumbers)
  pathColumn: file
`;

export const BASE = `${BASE_BEFORE_DOCUMENTS}documents:
  type: folder
  root: \\\\server\\share\\pdf
`;

/** BASE with `key: value` lines replaced (`null` removes the line) or added after a section. */
export function edit(replace: Record<string, string | null>, add: Record<string, string[]> = {}): string {
  const out: string[] = [];
  for (const line of BASE.trimEnd().split('\n')) {
    const key = line.trim().split(':')[0]!;
    const indent = line.startsWith(' ') ? '  ' : '';
    const id = indent ? `${section(out)}.${key}` : key;
    if (id in replace) {
      if (replace[id] !== null) out.push(`${indent}${key}: ${replace[id]}`);
    } else out.push(line);
    if (!indent && add[key]) out.push(...add[key].map((l) => `  ${l}`));
  }
  return `${out.join('\n')}\n`;
}

function section(lines: string[]): string {
  return [...lines].reverse().find((l) => !l.startsWith(' '))!.split(':')[0]!;
}

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'mapping-test-'));
}

export async function writeMapping(dir: string, content: string | Buffer, name = 'mapping.yaml'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

/** The MappingError a promise rejects with; fails the test if it resolves. */
export async function problemsOf(promise: Promise<unknown>): Promise<MappingError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MappingError);
  return err as MappingError;
}
