import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../src/sandbox/server.js';
import { CLIENT_ID, CLIENT_SECRET, entries, get, getToken, start } from './helpers.js';

const LIST = '/api/v1/entries/without-document';

let sb: SandboxHandle;
let clock: number;
beforeEach(async () => {
  clock = Date.parse('2024-03-02T06:00:00Z');
  sb = await start({ entries: entries(3), tokenTtlSeconds: 60, now: () => clock });
});
afterEach(() => sb.close());

function tokenRequest(body: Record<string, string> | string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sb.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof body === 'string' ? body : new URLSearchParams(body),
  });
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('POST /oauth/token', () => {
  it('issues a Bearer token with expires_in for good form credentials', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 60 });
    expect((await get(sb.url, body.access_token as string, LIST)).status).toBe(200);
  });

  it('issues a different token each time', async () => {
    expect(await getToken(sb.url)).not.toBe(await getToken(sb.url));
  });

  it('accepts HTTP Basic credentials', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic(CLIENT_ID, CLIENT_SECRET) });
    expect(res.status).toBe(200);
  });

  it('answers 401 invalid_client to a wrong secret, in the body or in Basic', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: 'nope' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    const viaBasic = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic('someone', CLIENT_SECRET) });
    expect(viaBasic.status).toBe(401);
    expect(await viaBasic.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('answers 401 invalid_client when no credentials are sent', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('answers 400 invalid_request / unsupported_grant_type to malformed requests', async () => {
    const creds = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET };
    const cases: Array<[Response, string]> = [
      [await tokenRequest(creds), 'invalid_request'],
      [await tokenRequest({ grant_type: 'password', ...creds }), 'unsupported_grant_type'],
      [await tokenRequest(`grant_type=client_credentials&grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`), 'invalid_request'],
      [
        await fetch(`${sb.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', ...creds }),
        }),
        'invalid_request',
      ],
      [await tokenRequest({ grant_type: 'client_credentials' }, { authorization: 'Basic %%%' }), 'invalid_request'],
    ];
    for (const [res, error] of cases) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error });
    }
  });

  it('refuses GET', async () => {
    const res = await fetch(`${sb.url}/oauth/token`);
    expect(res.status).toBe(405);
  });
});

describe('Bearer on /api/v1', () => {
  it('answers 401 UNAUTHORIZED without a token or with an unknown one', async () => {
    for (const token of [null, 'not-a-token']) {
      const res = await get(sb.url, token, LIST);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    const basicAuth = await fetch(`${sb.url}${LIST}`, { headers: { authorization: basic(CLIENT_ID, CLIENT_SECRET) } });
    expect(basicAuth.status).toBe(401);
  });

  it('answers 401 TOKEN_EXPIRED once expires_in has passed', async () => {
    const token = await getToken(sb.url);
    clock += 59_000;
    expect((await get(sb.url, token, LIST)).status).toBe(200);
    clock += 1_000;
    const res = await get(sb.url, token, LIST);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('TOKEN_EXPIRED');
  });

  it('expireAllTokens revokes earlier tokens only (key rotation)', async () => {
    const before = await getToken(sb.url);
    sb.control.expireAllTokens();
    const res = await get(sb.url, before, LIST);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('TOKEN_EXPIRED');
    expect((await get(sb.url, await getToken(sb.url), LIST)).status).toBe(200);
  });

  it('guards every API route', async () => {
    const poll = await get(sb.url, null, '/api/v1/documents/imports/imp_x');
    expect(poll.status).toBe(401);
    const post = await fetch(`${sb.url}/api/v1/documents/imports`, { method: 'POST', body: new FormData() });
    expect(post.status).toBe(401);
  });
});
