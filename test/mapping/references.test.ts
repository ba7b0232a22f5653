import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseReferences, resolveReferences, type KeyPath } from '../../src/mapping/references.js';
import type { SecretKind } from '../../src/mapping/secret-keys.js';
import { clearSecrets, redact } from '../../src/secrets.js';
import { itOnFakedWindows } from '../windows/faked.js';
import { tempDir } from './fixtures.js';

beforeEach(() => clearSecrets());

/** What a schema would mark, by the last key only: enough for these trees. */
const marks: Record<string, SecretKind> = { connectionString: 'connection-string', password: 'secret', clientSecret: 'secret' };
const secretAt = (at: KeyPath) => marks[String(at.at(-1))];

describe('parseReferences', () => {
  it('splits text, env and file references', () => {
    expect(parseReferences('Server=db;Password=${env:DB_PW};x')).toEqual([
      { kind: 'text', text: 'Server=db;Password=' },
      { kind: 'env', target: 'DB_PW', raw: '${env:DB_PW}' },
      { kind: 'text', text: ';x' },
    ]);
  });

  it('reads $${ as a literal ${ and leaves other dollars alone', () => {
    expect(parseReferences('cost $5, $${env:X} and $$')).toEqual([{ kind: 'text', text: 'cost $5, ${env:X} and $$' }]);
  });

  it('refuses unknown, empty and unclosed references', () => {
    expect(parseReferences('${HOME}')).toHaveProperty('error');
    expect(parseReferences('${env: }')).toHaveProperty('error');
    expect(parseReferences('a ${env:X')).toHaveProperty('error');
  });
});

// Also run for real under Wine, with files on C:\ and \\server\share: test/windows/win32-under-wine.test.ts.
describe('references on Windows', () => {
  itOnFakedWindows('references');
});

describe('resolveReferences', () => {
  const baseDir = path.resolve('nowhere');

  it('resolves embedded references and registers only secret-looking values', async () => {
    const env = { DB_PW: 'pw-12345', DB_HOST: 'dbserver01' };
    const tree = { source: { connectionString: 'Server=${env:DB_HOST};Password=${env:DB_PW}', host: '${env:DB_HOST}', list: ['${env:DB_HOST}'] } };
    const out = await resolveReferences(tree, { baseDir, env, secretAt });
    expect(out.problems).toEqual([]);
    expect(out.value).toEqual({ source: { connectionString: 'Server=dbserver01;Password=pw-12345', host: 'dbserver01', list: ['dbserver01'] } });
    expect(out.secrets).toEqual(['dbserver01', 'pw-12345', 'Server=dbserver01;Password=pw-12345']);
    expect(redact('host dbserver01, pw pw-12345')).toBe('host ***, pw ***');
    expect(out.referenced).toEqual(new Set(['source.connectionString', 'source.host', 'source.list.0']));
  });

  it('does not register an env value under an ordinary key', async () => {
    const out = await resolveReferences({ clearnox: { clientId: '${env:ID}' } }, { baseDir, env: { ID: 'connector-9' }, secretAt });
    expect(out.secrets).toEqual([]);
    expect(redact('connector-9')).toBe('connector-9');
  });

  it('finds an environment variable only by its exact name off Windows', async () => {
    const linux = await resolveReferences({ a: '${env:clearnox_id}' }, { baseDir, env: { CLEARNOX_ID: 'x1' }, platform: 'linux' });
    expect(linux.problems[0]?.message).toContain('clearnox_id is not set');
  });

  it('reads ${file:} relative to the base folder and refuses an empty one', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'key.txt'), 'line one\nline two\n\n');
    await writeFile(path.join(dir, 'empty.txt'), '\r\n');
    const out = await resolveReferences({ k: '${file:key.txt}', e: '${file:empty.txt}' }, { baseDir: dir, env: {} });
    expect(out.value).toEqual({ k: 'line one\nline two', e: '${file:empty.txt}' });
    expect(out.problems).toEqual([{ path: ['e'], message: `the file ${path.join(dir, 'empty.txt')} named by \${file:empty.txt} is empty` }]);
  });

  it('accepts secrets that are references and connection strings without a password', async () => {
    const tree = {
      a: { password: '${env:P}', clientSecret: 'prefix-${file:s.txt}' },
      b: { connectionString: 'Server=db;Integrated Security=SSPI' },
      c: { connectionString: 'postgres://erp:${env:P}@db/erp' },
    };
    const dir = await tempDir();
    await writeFile(path.join(dir, 's.txt'), 'abcd');
    const out = await resolveReferences(tree, { baseDir: dir, env: { P: 'pppp' }, secretAt });
    expect(out.problems).toEqual([]);
  });

  it('refuses a password literally in a URL connection string', async () => {
    const out = await resolveReferences({ s: { connectionString: 'postgres://erp:topsecret@db/erp' } }, { baseDir, env: {}, secretAt });
    expect(out.problems.map((p) => p.message)).toEqual([expect.stringContaining('holds a password itself')]);
    expect(redact('postgres://erp:topsecret@db')).toBe('postgres://erp:***@db');
  });

  it('refuses a password holding a space or a tab literally in a URL, which the driver reads whole', async () => {
    for (const cs of ['postgres://erp:my secret@db/erp', 'mysql://erp:tab\tsecret@db/erp', 'postgres://erp user:topsecret@db/erp']) {
      const out = await resolveReferences({ s: { connectionString: cs } }, { baseDir, env: {}, secretAt });
      expect(out.problems.map((p) => p.message), cs).toEqual([expect.stringContaining('holds a password itself')]);
    }
    expect(redact('postgres://erp:my secret@db')).toBe('postgres://erp:***@db');
    expect(redact('postgres://erp:my%20secret@db')).toBe('postgres://erp:***@db');
  });

  it('goes by the mark, not the name: an unmarked password is an ordinary value, a marked oddly named key a secret', async () => {
    const tree = { a: { password: 'plain-enough', motDePasse: 'en-clair-42', jeton: '${env:J}' } };
    const oddMarks: Record<string, SecretKind> = { motDePasse: 'secret', jeton: 'secret' };
    const out = await resolveReferences(tree, { baseDir, env: { J: 'jeton-value-7' }, secretAt: (at) => oddMarks[String(at.at(-1))] });
    expect(out.problems).toEqual([{ path: ['a', 'motDePasse'], message: expect.stringContaining('holds the secret itself') }]);
    expect(out.secrets).toEqual(['jeton-value-7']);
    expect(redact('plain-enough en-clair-42 jeton-value-7')).toBe('plain-enough *** ***');
  });
});

describe('${secret:NAME}', () => {
  const baseDir = path.resolve('nowhere');

  it('is parsed beside env and file, and the error for an unknown reference names all three', () => {
    expect(parseReferences('${secret:clearnox-client-secret}')).toEqual([{ kind: 'secret', target: 'clearnox-client-secret', raw: '${secret:clearnox-client-secret}' }]);
    expect(parseReferences('${vault:x}')).toEqual({ error: '"${vault:x}" is not a reference this tool knows; write ${env:NAME}, ${file:PATH} or ${secret:NAME}, or $${ for a literal ${' });
  });

  it('reads the value from the store, once per name, and masks it even under an ordinary key', async () => {
    const asked: string[] = [];
    const secrets = async (name: string) => (asked.push(name), name === 'db' ? { value: 'pw-from-store-1' } : { error: `no ${name}` });
    const tree = { source: { password: '${secret:db}', connectionString: 'postgres://erp:${secret:db}@db/erp', note: '${secret:db}' } };
    const out = await resolveReferences(tree, { baseDir, env: {}, secretAt, secrets });
    expect(out.problems).toEqual([]);
    expect(out.value).toEqual({ source: { password: 'pw-from-store-1', connectionString: 'postgres://erp:pw-from-store-1@db/erp', note: 'pw-from-store-1' } });
    expect(asked).toEqual(['db']);
    expect(redact('pw-from-store-1')).toBe('***');
  });

  it('says which command stores a missing one, from the real store found through CLEARNOX_SYNC_SECRETS', async () => {
    const dir = await tempDir();
    const store = path.join(dir, 'secrets.json');
    const out = await resolveReferences({ clearnox: { clientSecret: '${secret:clearnox-client-secret}' } }, { baseDir, env: { CLEARNOX_SYNC_SECRETS: store }, platform: 'linux', secretAt });
    expect(out.problems).toEqual([
      {
        path: ['clearnox', 'clientSecret'],
        message: `the secret clearnox-client-secret is not in the secret store ${store}; run  clearnox-sync secret set clearnox-client-secret  as the account that runs clearnox-sync`,
      },
    ]);
  });
});
