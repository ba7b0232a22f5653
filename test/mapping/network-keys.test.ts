// clearnox.proxy, clearnox.caFile and clearnox.systemCertificates as the mapping file writes them:
// the proxy's password is a secret (a reference, masked), never in the address, and a proxy is
// given whole or not at all.
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseMapping } from '../../src/mapping/load.js';
import { clearSecrets, redact } from '../../src/secrets.js';
import { ADAPTERS, BASE, ENV, problemsOf } from './fixtures.js';

beforeEach(() => clearSecrets());

const FILE = path.resolve('mappings-under-test', 'network.yaml');
const withClearnox = (lines: string[]) => BASE.replace('source:\n', `${lines.map((l) => `  ${l}\n`).join('')}source:\n`);
const parse = (lines: string[], env: NodeJS.ProcessEnv = {}) => parseMapping(withClearnox(lines), FILE, ADAPTERS, { env: { ...ENV, ...env } });

describe('the clearnox section\'s network keys', () => {
  it('take a proxy with Basic credentials, its password by reference and masked', async () => {
    const loaded = await parse(
      ['proxy:', '  url: http://proxy.corp.example:3128', '  username: svc-clearnox', '  password: ${env:PROXY_PASSWORD}', '  noProxy: [erp.corp.example, .intranet]', 'caFile: corp-ca.pem', 'systemCertificates: true'],
      { PROXY_PASSWORD: 'proxy-pw-9921' },
    );
    expect(loaded.mapping.clearnox).toMatchObject({
      proxy: { url: 'http://proxy.corp.example:3128', username: 'svc-clearnox', password: 'proxy-pw-9921', noProxy: ['erp.corp.example', '.intranet'] },
      caFile: 'corp-ca.pem',
      systemCertificates: true,
    });
    expect(redact('sent proxy-pw-9921')).toBe('sent ***');
  });

  it('take `proxy: none`, and default to no extra certificates', async () => {
    const loaded = await parse(['proxy: none']);
    expect(loaded.mapping.clearnox.proxy).toBe('none');
    expect(loaded.mapping.clearnox.systemCertificates).toBe(false);
    expect(loaded.mapping.clearnox.caFile).toBeUndefined();
  });

  it('refuse a password written in the file, or in the address, without repeating it', async () => {
    const literal = await problemsOf(parse(['proxy:', '  url: http://proxy.corp.example:3128', '  username: svc', '  password: pw-in-clear-55']));
    expect(literal.message).toMatch(/clearnox\.proxy\.password: holds the secret itself; write a reference/);
    expect(literal.message).not.toContain('pw-in-clear-55');
    const inUrl = await problemsOf(parse(['proxy:', '  url: http://svc:pw-in-url-66@proxy.corp.example:3128']));
    expect(inUrl.message).toMatch(/clearnox\.proxy\.url: holds a user name or password; give them as clearnox\.proxy\.username and clearnox\.proxy\.password/);
  });

  it('want username and password together, and an http(s) address', async () => {
    const half = await problemsOf(parse(['proxy:', '  url: http://proxy.corp.example:3128', '  username: svc']));
    expect(half.message).toMatch(/clearnox\.proxy: give both username and password, or neither/);
    const socks = await problemsOf(parse(['proxy:', '  url: socks5://proxy.corp.example:1080']));
    expect(socks.message).toMatch(/clearnox\.proxy\.url: .*http:\/\/proxy\.corp\.example:3128/);
  });
});
