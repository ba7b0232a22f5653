// Advice for a server whose identity is not proven gives the server's CA; it never proposes
// turning the check off, in the adapters' messages, the docs or the templates.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresAdapter, postgresDialect, postgresTarget } from '../../../adapters/database/postgres.js';

const WEAKENING = /sslMode: (require|REQUIRED)\b|trustServerCertificate: true|TrustServerCertificate=true|sslmode=(require|no-verify)|rejectUnauthorized: false['"`]/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : /\.(ts|md|yaml)$/.test(name) ? [full] : [];
  });
}

describe('TLS advice', () => {
  it('no adapter, doc or template proposes weakening certificate checks', () => {
    const offending = [...files('adapters'), ...files('docs'), ...files('mappings/templates'), 'README.md'].filter((f) => WEAKENING.test(readFileSync(f, 'utf8')));
    expect(offending).toEqual([]);
  });

  it('a PostgreSQL server refusing unencrypted connections is answered with a verified one', () => {
    const options = postgresAdapter.optionsSchema.parse({ host: 'erp', database: 'odoo', user: 'clearnox_reader', password: 'x' });
    const e = postgresDialect(postgresTarget(options)).explain(
      Object.assign(new Error('no pg_hba.conf entry for host "192.0.2.10", user "clearnox_reader", database "odoo", no encryption'), { code: '28000' }),
    );
    expect(e.message).toContain('without encryption; set sslMode: verify-full and source.sslRootCert');
  });
});
