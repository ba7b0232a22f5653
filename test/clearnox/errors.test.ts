import { afterEach, describe, expect, it } from 'vitest';
import { API_ERROR_CODES, type ApiErrorCode } from '../../src/clearnox/contract.js';
import {
  ArchiveTooLargeError,
  ClearnoxApiError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InvalidRequestError,
  NotFoundError,
  ProtocolError,
  RateLimitedError,
  ServerError,
  UnauthorizedError,
  errorFromResponse,
  parseRetryAfter,
} from '../../src/clearnox/errors.js';
import { clearSecrets, registerSecret } from '../../src/secrets.js';

const STATUS: Record<ApiErrorCode, number> = {
  INVALID_ARCHIVE: 400,
  INVALID_METADATA: 400,
  INVALID_PARAMETER: 400,
  UNAUTHORIZED: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  IDEMPOTENCY_KEY_REUSED: 409,
  ARCHIVE_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

const EXPECTED: Record<ApiErrorCode, [new (...a: never[]) => ClearnoxApiError, boolean]> = {
  INVALID_ARCHIVE: [InvalidRequestError, false],
  INVALID_METADATA: [InvalidRequestError, false],
  INVALID_PARAMETER: [InvalidRequestError, false],
  UNAUTHORIZED: [UnauthorizedError, false],
  TOKEN_EXPIRED: [UnauthorizedError, false],
  FORBIDDEN: [ForbiddenError, false],
  NOT_FOUND: [NotFoundError, false],
  IDEMPOTENCY_KEY_REUSED: [IdempotencyKeyReusedError, false],
  ARCHIVE_TOO_LARGE: [ArchiveTooLargeError, false],
  RATE_LIMITED: [RateLimitedError, true],
  INTERNAL: [ServerError, true],
  UNAVAILABLE: [ServerError, true],
};

const body = (code: string, message = 'server says no') => JSON.stringify({ error: { code, message } });

afterEach(() => clearSecrets());

describe('errorFromResponse', () => {
  it.each(API_ERROR_CODES)('maps %s to its typed error', (code) => {
    const err = errorFromResponse(STATUS[code], body(code), null, 'upload');
    const [Cls, retryable] = EXPECTED[code];
    expect(err).toBeInstanceOf(Cls);
    expect(err).toBeInstanceOf(ClearnoxApiError);
    const api = err as ClearnoxApiError;
    expect(api.code).toBe(code);
    expect(api.status).toBe(STATUS[code]);
    expect(api.retryable).toBe(retryable);
    expect(api.serverMessage).toBe('server says no');
    expect(api.message).toContain(code);
    expect(api.message).toContain('server says no');
    expect(api.name).toBe(Cls.name);
  });

  it('carries Retry-After in milliseconds', () => {
    const err = errorFromResponse(429, body('RATE_LIMITED'), '3', 'entries');
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.retryAfterMs).toBe(3000);
    expect(err.message).toContain('3 s');
  });

  it('tells the operator what to do for FORBIDDEN', () => {
    expect(errorFromResponse(403, body('FORBIDDEN'), null, 'upload').message).toMatch(/may not use the documents API/);
  });

  it('classes a proxy\'s HTML 502/503/504 and 429 by status', () => {
    for (const s of [502, 503, 504]) {
      const err = errorFromResponse(s, '<html>Bad gateway</html>', null, 'upload');
      expect(err).toBeInstanceOf(ServerError);
      expect(err.retryable).toBe(true);
    }
    expect(errorFromResponse(429, '', '1', 'import')).toBeInstanceOf(RateLimitedError);
  });

  it('classes an unknown code by status when transient, and as a protocol error otherwise', () => {
    expect(errorFromResponse(503, body('MAINTENANCE'), null, 'entries')).toBeInstanceOf(ServerError);
    const err = errorFromResponse(418, body('TEAPOT'), null, 'entries');
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toContain('TEAPOT');
    expect(err.retryable).toBe(false);
    expect(errorFromResponse(400, 'not json', null, 'entries')).toBeInstanceOf(ProtocolError);
  });

  it('masks registered secrets that a server echoes', () => {
    registerSecret('s3cr3t-value');
    const err = errorFromResponse(400, body('INVALID_PARAMETER', 'bad value s3cr3t-value'), null, 'entries') as ClearnoxApiError;
    expect(err.message).not.toContain('s3cr3t-value');
    expect(err.serverMessage).not.toContain('s3cr3t-value');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, ignores the rest', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('12')).toBe(12_000);
    const now = Date.parse('2024-03-02T06:00:00Z');
    expect(parseRetryAfter('Sat, 02 Mar 2024 06:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sat, 02 Mar 2024 05:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-3')).toBeUndefined();
  });
});
