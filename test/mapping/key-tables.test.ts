import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtinAdapters } from '../../adapters/index.js';
import type { DatabaseAdapter } from '../../adapters/types.js';
import { unwrap } from '../../src/mapping/describe.js';
import { DOCUMENTS_WITH_KEY_TABLES, generatedRegions, markdown, renderTable, rewriteGenerated } from '../../src/mapping/key-tables.js';
import { connectionString, secret } from '../../src/mapping/secret-keys.js';
import { ADAPTERS } from './fixtures.js';

const read = (file: string) => readFile(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('the key tables of README.md and docs/', () => {
  it.each(DOCUMENTS_WITH_KEY_TABLES)('%s holds the tables the options schemas give (run `npm run schema` after changing an option)', async (file) => {
    const committed = await read(file);
    expect(generatedRegions(committed).length).toBeGreaterThan(0);
    expect(committed).toBe(rewriteGenerated(committed, builtinAdapters()));
  });

  it('cover every section of the mapping file in the README, and every adapter with keys of its own in docs/', async () => {
    const regions = new Set((await Promise.all(DOCUMENTS_WITH_KEY_TABLES.map(read))).flatMap(generatedRegions));
    const readme = generatedRegions(await read('README.md'));
    expect(readme).toEqual(['clearnox', 'source', 'documents', 'match', 'upload', 'report', 'logs', 'alerts']);
    const { databases, stores } = builtinAdapters();
    const withKeys = (a: { optionsSchema: unknown }) =>
      Object.values((a.optionsSchema as z.ZodObject).shape as Record<string, z.ZodType>).some((k) => !(unwrap(k) instanceof z.ZodNever));
    const expected = [...databases.filter(withKeys).map((a) => `source.${a.type}`), ...stores.filter(withKeys).map((a) => `documents.${a.type}`), 'documents.index'];
    expect(expected.filter((name) => !regions.has(name))).toEqual([]);
  });
});

describe('a generated key table', () => {
  const db: DatabaseAdapter<unknown> = {
    type: 'toydb',
    description: 'A toy database.',
    optionsSchema: z
      .object({
        host: z.string().min(1).describe('Name of the server.'),
        port: z.number().int().min(1).max(65_535).default(5432).describe('TCP port.'),
        password: secret(z.string().min(1)).optional().describe('Password: a reference such as `${env:DB_PASSWORD}`.'),
        url: connectionString(z.string().min(1)).optional().describe('Instead of host and port.'),
        timeoutSeconds: z.number().positive().max(600).default(15).describe('Time allowed.'),
        mode: z.enum(['off', 'verify-full']).default('off').describe('TLS.'),
        agent: z.union([z.boolean(), z.string()]).optional().describe('An agent.'),
      })
      .strict(),
    open: async () => {
      throw new Error('not opened');
    },
  };
  const adapters = { databases: [db, ...ADAPTERS.databases], stores: ADAPTERS.stores };

  it('gives each key its type, its default or that it is required, and whether it holds a secret', () => {
    expect(renderTable('source.toydb', adapters).split('\n')).toEqual([
      '| Key | Type | Default | Meaning |',
      '| --- | --- | --- | --- |',
      '| `host` | text | required | Name of the server. |',
      '| `port` | whole number, 1-65535 | `5432` | TCP port. |',
      '| `password` | secret: `${env:…}`, `${file:…}` or `${secret:…}` |  | Password: a reference such as `${env:DB_PASSWORD}`. |',
      '| `url` | text (its password: a secret reference) |  | Instead of host and port. |',
      '| `timeoutSeconds` | number, > 0, ≤ 600 | `15` | Time allowed. |',
      '| `mode` | `off`, `verify-full` | `off` | TLS. |',
      '| `agent` | `true`, `false`, or text |  | An agent. |',
    ]);
  });

  it('lists, for a section chosen by type, the types and the keys shared by every adapter', () => {
    const rows = renderTable('source', adapters).split('\n').slice(2);
    expect(rows[0]).toBe('| `type` | `toydb`, `fakesql`, `fakemssql` | required | `toydb`: A toy database. `fakesql`: A fake file database. `fakemssql`: A fake server database. |');
    const keys = rows.map((r) => r.split(' | ')[0]!.slice(3, -1));
    expect(keys).toEqual(['type', 'query', 'documentNumberColumn', 'pathColumn', 'pathTemplate', 'batchSize', 'withheldColumn', 'companies']);
  });

  it('is rewritten between its marks, and the text around is kept', () => {
    const text = ['# Doc', '', '<!-- generated: source.toydb -->', '| stale |', '<!-- end generated -->', '', 'After.'].join('\r\n');
    const out = rewriteGenerated(text, adapters);
    expect(out.startsWith('# Doc\r\n\r\n<!-- generated: source.toydb -->\r\n| Key | Type | Default | Meaning |\r\n')).toBe(true);
    expect(out.endsWith('| An agent. |\r\n<!-- end generated -->\r\n\r\nAfter.')).toBe(true);
    expect(out).not.toContain('stale');
    expect(rewriteGenerated(out, adapters)).toBe(out);
  });

  it('names a mark that names nothing, or that is not closed', () => {
    expect(() => rewriteGenerated('<!-- generated: source.nosuch -->\n<!-- end generated -->', adapters)).toThrow(/source\.nosuch.*no section or adapter/);
    expect(() => rewriteGenerated('<!-- generated: match -->\n| a |\n', adapters)).toThrow(/has no <!-- end generated -->/);
  });

  it('escapes what Markdown would read as markup, outside code', () => {
    expect(markdown('a|b `x|y` C:\\dir *not* <b> $x$ ["l"] [a](b) max_time _a_')).toBe('a\\|b `x\\|y` C:\\\\dir \\*not\\* \\<b> \\$x\\$ ["l"] [a\\](b) max_time \\_a\\_');
  });
});
