import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../adapters/index.js';
import { changeMarks, fillTemplate, hasKey } from '../../src/init/fill.js';
import { FIELDS, secretName } from '../../src/init/fields.js';
import { listTemplates } from '../../src/init/templates.js';
import { parseMapping } from '../../src/mapping/load.js';

const commentsOf = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.includes('#') && !l.includes('yaml-language-server'))
    .map((l) => l.slice(l.indexOf('#')).replace(/^#\s*(CHANGE\b:?\s*)?/, '').replace(/^\((.*)\)$/, '$1').trim());

describe('filling a template', () => {
  it('puts the values in every template, keeps its comments and columns, points to the schema by absolute path, and loads', async () => {
    const templates = await listTemplates();
    expect(templates.map((t) => t.name)).toEqual(expect.arrayContaining(['dolibarr', 'no-database', 'odoo', 'sage100']));
    for (const t of templates) {
      const text = await readFile(t.file, 'utf8');
      expect(t.summary, t.name).not.toBe('');
      const given = { baseUrl: 'https://eu.clearnox.example', clientId: 'conn: 42', dbHost: 'db01.acme.local', dbPort: 6543, dbName: 'acme', dbUser: 'reader', documentsRoot: '/srv/pdf files/acme' };
      const filled = FIELDS.filter((f) => hasKey(text, f.at)).map((f) =>
        f.secret ? { at: f.at, value: `\${secret:${secretName('/x/acme.yaml', f.secret.suffix)}}`, comment: 'in the store' } : { at: f.at, value: given[f.key as keyof typeof given] },
      );
      const out = fillTemplate(text, filled, '/opt/clearnox sync/mappings/mapping.schema.json');
      expect(out.split('\n')[0]).toBe('# yaml-language-server: $schema=file:///opt/clearnox%20sync/mappings/mapping.schema.json');
      // Every comment of the template is still there, its CHANGE mark aside, but a secret's own.
      const kept = commentsOf(out);
      for (const c of commentsOf(text)) if (!/never the (secret|password) here/.test(c)) expect(kept, `${t.name}: ${c}`).toContain(c);
      // A comment after a value stays in its column when the value leaves room.
      const line = out.split('\n').find((l) => l.startsWith('  clientId:'))!;
      expect(line.indexOf('#'), t.name).toBe(text.split('\n').find((l) => l.startsWith('  clientId:'))!.indexOf('#'));
      const loaded = await parseMapping(out, `/x/${t.name}.yaml`, builtinAdapters(), { secrets: async (n) => ({ value: `value-of-${n}` }) });
      expect(loaded.mapping.clearnox.clientId).toBe('conn: 42');
      expect(loaded.mapping.clearnox.clientSecret).toBe('value-of-acme-clearnox-client-secret');
      // The filled keys lose their CHANGE mark; what init does not ask (an SFTP account) keeps it.
      expect(changeMarks(out).join('\n'), t.name).not.toMatch(/clientId:|database:/);
      expect(changeMarks(out).length, t.name).toBeLessThan(changeMarks(text).length);
    }
  });

  it('shows the optional sections in every template as comments that load as written once uncommented', async () => {
    for (const t of await listTemplates()) {
      const text = await readFile(t.file, 'utf8');
      const lines = text.split('\n');
      const from = lines.findIndex((l) => l.startsWith('# ---- Optional settings'));
      expect(from, t.name).toBeGreaterThan(0);
      // What a person does: remove the "# " of each key line below the heading.
      const uncommented = lines.map((l, i) => (i > from && /^# +[a-zA-Z]+:/.test(l) ? l.slice(2) : l)).join('\n');
      const loaded = await parseMapping(uncommented, `/x/${t.name}.yaml`, builtinAdapters(), { env: { CLEARNOX_CLIENT_SECRET: 's3cret-x', ODOO_DB_PASSWORD: 'pw-x', DOLIBARR_DB_PASSWORD: 'pw-x', SAGE_DB_PASSWORD: 'pw-x', ERPNEXT_DB_PASSWORD: 'pw-x', B1_DB_PASSWORD: 'pw-x', SFTP_PASSWORD: 'pw-x' }, secrets: async (n) => ({ value: n === 'teams-webhook' ? 'https://acme.webhook.office.com/webhookb2/x' : `value-of-${n}` }) });
      expect(loaded.mapping.report, t.name).toEqual({ csvSeparator: ';', problems: 'new' });
      expect(loaded.mapping.logs, t.name).toMatchObject({ folder: 'clearnox-sync-logs', keepDays: 30, keepRuns: 100 });
      expect(loaded.mapping.alerts?.email, t.name).toMatchObject({ host: 'smtp.acme.local', port: 587, security: 'starttls', to: ['compta@acme.local'] });
      expect(loaded.mapping.alerts?.webhook, t.name).toMatchObject({ format: 'teams' });
    }
  });

  it('names secrets after the mapping file, with only the characters a secret name takes', () => {
    expect(secretName('C:\\clearnox\\ACME Sàrl.yaml', 'db-password')).toBe('ACME-S-rl-db-password');
    expect(secretName('/srv/acme.yml', 'clearnox-client-secret')).toBe('acme-clearnox-client-secret');
    expect(secretName('/srv/---.yaml', 'db-password')).toBe('db-password');
  });
});
