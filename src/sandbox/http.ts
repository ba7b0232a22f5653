// Small response/request helpers shared by the sandbox routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorCode } from '../clearnox/contract.js';

export type Headers = Record<string, string>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** The API's error body: `{"error": {"code", "message"}}`. */
export function sendApiError(
  res: ServerResponse,
  status: number,
  code: ApiErrorCode | string,
  message: string,
  headers: Headers = {},
): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/** The OAuth endpoint answers as RFC 6749 does: `{"error": "invalid_client", ...}`. */
export function sendOAuthError(res: ServerResponse, status: number, error: string, description: string, headers: Headers = {}): void {
  sendJson(res, status, { error, error_description: description }, headers);
}

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** Reads a small request body (the token form); refuses more than `max` bytes instead of buffering it. */
export async function readSmallBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new BodyTooLarge(`request body over ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A header as one string (node only gives arrays for a few headers such as set-cookie). */
export function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
