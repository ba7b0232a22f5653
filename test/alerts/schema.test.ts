// The alerts section as the mapping file's loader checks it: nothing sent unencrypted over the
// network, no password without encryption, the webhook's address a secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MappingError } from '../../src/mapping/load.js';
import { clearSecrets } from '../../src/secrets.js';
import { alertsMapping, tempDir } from './fixture.js';

let dir: { dir: string; remove(): Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir.remove();
  clearSecrets();
});

async function problems(alerts: string, env: Record<string, string> = {}): Promise<{ path: string; message: string }[]> {
  const err = await alertsMapping(dir.dir, alerts, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MappingError);
  return (err as MappingError).problems.map(({ path, message }) => ({ path, message }));
}

const EMAIL = (more: string) => `  email:\n    host: smtp.acme.test\n    from: sync@acme.test\n    to: it@acme.test\n${more}`;

describe('alerts.email', () => {
  it('takes STARTTLS on 587 by default, and one recipient or a list', async () => {
    const loaded = await alertsMapping(dir.dir, EMAIL(''));
    expect(loaded.mapping.alerts).toEqual({ on: 'problems', email: { host: 'smtp.acme.test', security: 'starttls', from: 'sync@acme.test', to: 'it@acme.test' } });
    const list = await alertsMapping(dir.dir, `  email:\n    host: smtp.acme.test\n    from: '"ERP" <sync@acme.test>'\n    to: [it@acme.test, 'Compta <compta@acme.test>']\n`);
    expect(list.mapping.alerts!.email!.to).toEqual(['it@acme.test', 'Compta <compta@acme.test>']);
  });

  it('refuses security: none to another machine, and a login with it even on this one', async () => {
    expect(await problems(EMAIL('    security: none\n'))).toEqual([
      {
        path: 'alerts.email.security',
        message: expect.stringMatching(/^none would send the alerts unencrypted over the network to smtp\.acme\.test; write starttls \(or tls\)\. none is accepted only for a relay on this machine/),
      },
    ]);
    const local = `  email:\n    host: 127.0.0.1\n    security: none\n    from: sync@acme.test\n    to: it@acme.test\n    username: sync\n    password: \${env:SMTP_PASSWORD}\n`;
    expect(await problems(local, { SMTP_PASSWORD: 'pw-for-smtp-1' })).toEqual([
      { path: 'alerts.email.username', message: expect.stringMatching(/^is never sent over an unencrypted connection/) },
      { path: 'alerts.email.password', message: expect.stringMatching(/^is never sent over an unencrypted connection/) },
    ]);
  });

  it('refuses a password written as itself, one without a user, and an address that is none', async () => {
    expect(await problems(EMAIL('    username: sync\n    password: hunter2-literal\n'))).toEqual([
      { path: 'alerts.email.password', message: expect.stringMatching(/reference/) },
    ]);
    expect(await problems(EMAIL('    password: ${env:SMTP_PASSWORD}\n'), { SMTP_PASSWORD: 'pw-for-smtp-1' })).toEqual([
      { path: 'alerts.email.password', message: 'give both username and password, or neither' },
    ]);
    expect(await problems(`  email:\n    host: smtp.acme.test\n    from: sync\n    to: [it@acme.test]\n`)).toEqual([
      { path: 'alerts.email.from', message: expect.stringContaining('an e-mail address such as it@acme.fr') },
    ]);
  });
});

describe('alerts.webhook', () => {
  it('takes its address from a reference only, and masks it', async () => {
    expect(await problems('  webhook:\n    url: https://hooks.slack.test/services/T1/B2/abcdef\n')).toEqual([
      { path: 'alerts.webhook.url', message: expect.stringMatching(/reference/) },
    ]);
    const loaded = await alertsMapping(dir.dir, '  webhook:\n    url: ${env:HOOK}\n    format: slack\n', { HOOK: 'https://hooks.slack.test/services/T1/B2/abcdef' });
    expect(loaded.secrets).toContain('https://hooks.slack.test/services/T1/B2/abcdef');
  });

  it('refuses plain http:// to another machine, never quoting the address', async () => {
    const found = await problems('  webhook:\n    url: ${env:HOOK}\n', { HOOK: 'http://hooks.acme.test/t/secret-token-77' });
    expect(found).toEqual([{ path: 'alerts.webhook.url', message: expect.stringMatching(/^must start with https:\/\//) }]);
    expect(JSON.stringify(found)).not.toContain('secret-token-77');
    expect(await problems('  webhook:\n    url: ${env:HOOK}\n', { HOOK: 'hooks.acme.test/t/secret-token-77' })).toEqual([
      { path: 'alerts.webhook.url', message: 'is not a URL; it should give an https:// address' },
    ]);
  });

  it('is a reference in the JSON Schema, not a URL format an editor would flag', async () => {
    const { mappingJsonSchema } = await import('../../src/mapping/json-schema.js');
    const { builtinAdapters } = await import('../../adapters/index.js');
    const url = (mappingJsonSchema(builtinAdapters()) as any).properties.alerts.properties.webhook.properties.url;
    expect(url).toMatchObject({ type: 'string', writeOnly: true });
    expect(url.format).toBeUndefined();
    expect(new RegExp(url.pattern).test('${env:TEAMS_WEBHOOK_URL}')).toBe(true);
  });
});

it('an alerts section needs email or webhook', async () => {
  expect(await problems('  on: always\n')).toEqual([{ path: 'alerts', message: 'give email, webhook or both' }]);
});
