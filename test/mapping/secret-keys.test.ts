// Secret keys are the ones an adapter's options schema marks, whatever they are called: a new
// adapter's secret is refused as a literal and masked once resolved, by that mark alone.
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtinAdapters } from '../../adapters/index.js';
import type { DatabaseAdapter, DocumentStoreAdapter } from '../../adapters/types.js';
import { unwrap } from '../../src/mapping/describe.js';
import { parseMapping } from '../../src/mapping/load.js';
import { buildMappingSchema, type AdapterSets } from '../../src/mapping/schema.js';
import { secret, secretKindAt, secretKindOf } from '../../src/mapping/secret-keys.js';
import { clearSecrets, redact } from '../../src/secrets.js';
import { ADAPTERS, BASE_BEFORE_DOCUMENTS, ENV, problemsOf } from './fixtures.js';

beforeEach(() => clearSecrets());

const notOpened = async (): Promise<never> => {
  throw new Error('not used in these tests');
};

// A document store written after this code: its secrets have names no list would guess.
const vault: DocumentStoreAdapter<{ url: string; apiToken: string; motDePasse?: string; password?: string }> = {
  type: 'vault',
  description: 'A fake document vault.',
  optionsSchema: z
    .object({
      url: z.string().min(1),
      apiToken: secret(z.string().min(4)).describe('Token of the vault account.'),
      motDePasse: secret(z.string().regex(/^[\w-]+$/)).optional(),
      // Named like a secret but not marked: an ordinary value (the marks decide, not the names).
      password: z.string().optional(),
    })
    .strict(),
  open: notOpened,
};
const WITH_VAULT: AdapterSets = { databases: ADAPTERS.databases, stores: [...ADAPTERS.stores, vault] };

const FILE = path.resolve('mappings-under-test', 'vault.yaml');
const mapping = (documents: string[]) => `${BASE_BEFORE_DOCUMENTS}documents:\n${documents.map((l) => `  ${l}\n`).join('')}`;
const parse = (documents: string[], env: NodeJS.ProcessEnv = {}) => parseMapping(mapping(documents), FILE, WITH_VAULT, { env: { ...ENV, ...env } });

describe('a new adapter with oddly named secret keys', () => {
  it('has its literal secrets refused, by the mark alone, without repeating them', async () => {
    const err = await problemsOf(parse(['type: vault', 'url: https://vault.test', 'apiToken: tok-literal-123', 'motDePasse: mdp-en-clair']));
    expect(err.message).toContain('vault.yaml:13 documents.apiToken: holds the secret itself; write a reference such as ${env:DOCUMENTS_API_TOKEN}');
    expect(err.message).toContain('vault.yaml:14 documents.motDePasse: holds the secret itself; write a reference such as ${env:DOCUMENTS_MOT_DE_PASSE}');
    expect(err.message).not.toContain('tok-literal-123');
    expect(err.message).not.toContain('mdp-en-clair');
  });

  it('has its resolved secrets registered and masked; an unmarked key is left alone', async () => {
    const loaded = await parse(['type: vault', 'url: https://vault.test', 'apiToken: ${env:VAULT_TOKEN}', 'motDePasse: ${env:VAULT_MDP}', 'password: ${env:NOT_SECRET}'], {
      VAULT_TOKEN: 'vault-token-"\\-99',
      VAULT_MDP: 'mot-de-passe-42',
      NOT_SECRET: 'plain-value-7',
    });
    expect(loaded.mapping.documents['apiToken']).toBe('vault-token-"\\-99');
    expect(loaded.secrets).toEqual(expect.arrayContaining(['vault-token-"\\-99', 'mot-de-passe-42']));
    expect(loaded.secrets).not.toContain('plain-value-7');
    expect(redact('token vault-token-"\\-99, mdp mot-de-passe-42, plain-value-7')).toBe('token ***, mdp ***, plain-value-7');
  });

  it('never quotes what a marked key holds in a validation message', async () => {
    const err = await problemsOf(parse(['type: vault', 'url: https://vault.test', 'apiToken: ${env:T}', 'motDePasse: ${env:M}'], { T: 'tok-1234', M: 'pas ok!' }));
    expect(err.message).toContain('documents.motDePasse: expected text in the expected form');
    expect(err.message).not.toContain('pas ok!');
  });

  it('still refuses and masks a marked key when the type is mistyped or written as a reference', async () => {
    const err = await problemsOf(parse(['type: vaulr', 'url: https://vault.test', 'apiToken: tok-literal-123']));
    expect(err.message).toContain('documents.apiToken: holds the secret itself');
    clearSecrets();
    const viaRef = await problemsOf(parse(['type: ${env:STORE_TYPE}', 'url: https://vault.test', 'apiToken: ${env:VAULT_TOKEN}'], { STORE_TYPE: 'vaulr', VAULT_TOKEN: 'vault-token-1234' }));
    expect(viaRef.message).toContain('documents.type');
    expect(redact('vault-token-1234')).toBe('***');
  });
});

describe('the marks of the real adapters', () => {
  const schema = buildMappingSchema(builtinAdapters());

  it('mark every secret of the built-in adapters, in a section and in a company override', () => {
    const at = (section: string, type: string, ...key: string[]) => secretKindAt(schema, { [section]: { type } }, [section, ...key]);
    expect(secretKindAt(schema, {}, ['clearnox', 'clientSecret'])).toBe('secret');
    for (const db of ['postgres', 'mysql', 'mssql']) {
      expect(at('source', db, 'password'), db).toBe('secret');
      expect(at('source', db, 'connectionString'), db).toBe('connection-string');
      expect(at('source', db, 'companies', 'ACME', 'password'), db).toBe('secret');
      expect(at('source', db, 'host'), db).toBeUndefined();
    }
    for (const key of ['password', 'passphrase']) expect(at('documents', 'sftp', key), key).toBe('secret');
    expect(at('documents', 'sftp', 'privateKeyFile')).toBeUndefined();
    expect(at('documents', 'smb', 'password')).toBe('secret');
    expect(at('documents', 'smb', 'username')).toBeUndefined();
  });

  it('leave no key that is named like a secret unmarked (a reminder for the author of a new adapter)', () => {
    const unmarked: string[] = [];
    for (const a of [...builtinAdapters().databases, ...builtinAdapters().stores] as (DatabaseAdapter<unknown> | DocumentStoreAdapter<unknown>)[]) {
      const shape = (a.optionsSchema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
      for (const [key, s] of Object.entries(shape)) {
        const text = unwrap(s) instanceof z.ZodString; // a yes/no setting about passwords holds none
        if (text && /password|passphrase|secret|token|credential|connectionstring/i.test(key) && !secretKindOf(s)) unmarked.push(`${a.type}.${key}`);
      }
    }
    expect(unmarked).toEqual([]);
  });
});
