// OAuth 2.0 client credentials (RFC 6749 §4.4) and the Bearer check of every /api/v1 call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, mediaType, readSmallBody, sendApiError, sendJson, sendOAuthError } from './http.js';
import type { SandboxStore } from './store.js';

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

const FORM_MAX_BYTES = 64 * 1024;
const REALM = 'Basic realm="clearnox-sandbox"';

export async function handleToken(
  req: IncomingMessage,
  res: ServerResponse,
  store: SandboxStore,
  credentials: Credentials,
  ttlSeconds: number,
): Promise<void> {
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
    return sendOAuthError(res, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  let body: Buffer;
  try {
    body = await readSmallBody(req, FORM_MAX_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLarge) return sendOAuthError(res, 400, 'invalid_request', err.message);
    throw err;
  }
  const form = new URLSearchParams(body.toString('utf8'));
  for (const key of new Set(form.keys())) {
    // RFC 6749 §3.2: request parameters must not be included more than once.
    if (form.getAll(key).length > 1) return sendOAuthError(res, 400, 'invalid_request', `parameter "${key}" is repeated`);
  }
  const grantType = form.get('grant_type');
  if (grantType === null || grantType === '') return sendOAuthError(res, 400, 'invalid_request', 'grant_type is missing');
  if (grantType !== 'client_credentials') {
    return sendOAuthError(res, 400, 'unsupported_grant_type', `only client_credentials is supported, not "${grantType}"`);
  }

  const basic = parseBasic(req.headers.authorization);
  if (basic === 'malformed') return sendOAuthError(res, 400, 'invalid_request', 'malformed HTTP Basic Authorization header');
  if (basic && form.has('client_secret')) {
    // RFC 6749 §2.3: a client must not use more than one authentication method in a request.
    return sendOAuthError(res, 400, 'invalid_request', 'client_secret sent both in HTTP Basic and in the body');
  }
  if (basic && form.has('client_id') && !sameId(basic, form.get('client_id')!)) {
    return sendOAuthError(res, 400, 'invalid_request', 'client_id in the body differs from the HTTP Basic one');
  }
  const headers: Record<string, string> = basic ? { 'www-authenticate': REALM } : {};
  const given = basic ?? (form.has('client_id') ? [{ id: form.get('client_id')!, secret: form.get('client_secret') ?? '' }] : null);
  if (!given) return sendOAuthError(res, 401, 'invalid_client', 'no client credentials were sent', { 'www-authenticate': REALM });
  const ok = given.some((c) => c.id === credentials.clientId && c.secret === credentials.clientSecret);
  if (!ok) return sendOAuthError(res, 401, 'invalid_client', 'unknown client or wrong secret', headers);

  sendJson(res, 200, { access_token: store.issueToken(ttlSeconds), token_type: 'Bearer', expires_in: ttlSeconds }, { pragma: 'no-cache' });
}

type BasicPair = { id: string; secret: string };

/**
 * RFC 6749 §2.3.1 has the id and secret form-urlencoded before base64; many clients skip that, so
 * both readings are returned and either may match.
 */
function parseBasic(header: string | undefined): BasicPair[] | 'malformed' | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return /^Basic\b/i.test(header) ? 'malformed' : null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return 'malformed';
  const raw = { id: text.slice(0, colon), secret: text.slice(colon + 1) };
  const decoded = { id: formDecode(raw.id), secret: formDecode(raw.secret) };
  return decoded.id === raw.id && decoded.secret === raw.secret ? [raw] : [raw, decoded];
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function sameId(pairs: BasicPair[], id: string): boolean {
  return pairs.some((p) => p.id === id);
}

/**
 * Checks `Authorization: Bearer …` and answers the 401 itself.
 * Returns the token when the call may go on, null when it was answered.
 */
export function authenticate(req: IncomingMessage, res: ServerResponse, store: SandboxStore): string | null {
  const m = /^Bearer +([^\s]+) *$/i.exec(req.headers.authorization ?? '');
  if (!m) {
    sendApiError(res, 401, 'UNAUTHORIZED', 'missing Authorization: Bearer <access_token>', { 'www-authenticate': 'Bearer' });
    return null;
  }
  const token = m[1]!;
  const check = store.checkToken(token);
  if (check === 'unknown') {
    sendApiError(res, 401, 'UNAUTHORIZED', 'unknown access token', { 'www-authenticate': 'Bearer error="invalid_token"' });
    return null;
  }
  if (check === 'expired') {
    sendApiError(res, 401, 'TOKEN_EXPIRED', 'the access token has expired or was revoked; get a new one', {
      'www-authenticate': 'Bearer error="invalid_token", error_description="expired"',
    });
    return null;
  }
  return token;
}
