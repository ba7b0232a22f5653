// An in-memory Transport speaking the contract, for the client's unit tests: no sockets, and
// every request is recorded. Scripted answers (`failNext`) take precedence over the behaviour.
import type { HttpRequest, HttpResponse, Transport } from '../../src/clearnox/http.js';
import type { Entry, Import } from '../../src/clearnox/contract.js';
import type { Operation } from '../../src/clearnox/errors.js';
import { readMultipart } from './read-multipart.js';

export interface Recorded {
  operation: Operation;
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  fileBytes?: number;
  fileName?: string;
}

interface Scripted {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export function entry(id: string, extra: Partial<Entry> = {}): Entry {
  return {
    id,
    documentNumber: `FA-${id}`,
    type: 'invoice',
    companyCode: null,
    accountNumber: '411X',
    accountName: null,
    entryDate: '2024-03-01',
    dueDate: null,
    amount: '10.00',
    currency: 'EUR',
    journal: null,
    label: null,
    ...extra,
  };
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  const h = new Headers({ 'content-type': 'application/json', ...headers });
  return { status, headers: h, body: JSON.stringify(value) };
}

export class FakeApi implements Transport {
  readonly requests: Recorded[] = [];
  entries: Entry[] = [];
  clientId = 'client-1';
  clientSecret = 'very-secret-value';
  expiresIn = 3600;
  private tokenCount = 0;
  private valid = new Set<string>();
  private scripted = new Map<Operation, Scripted[]>();
  /** importId -> answers to give in turn (the last one repeats). */
  imports = new Map<string, { answers: Array<{ value: Import; retryAfter?: string }> }>();
  /** Called after a page is computed and before it is returned: lets a test change the list mid-read. */
  onEntriesRequest?: (page: number) => void;

  failNext(operation: Operation, status: number, body: unknown, headers?: Record<string, string>, times = 1): void {
    const list = this.scripted.get(operation) ?? [];
    for (let i = 0; i < times; i++) {
      list.push({ status, body: typeof body === 'string' ? body : JSON.stringify(body), ...(headers ? { headers } : {}) });
    }
    this.scripted.set(operation, list);
  }

  revokeAllTokens(): void {
    this.valid.clear();
  }

  count(operation: Operation): number {
    return this.requests.filter((r) => r.operation === operation).length;
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const rec: Recorded = { operation: request.operation, method: request.method, url: request.url, headers: request.headers };
    const body = request.body ? await request.body() : undefined;
    if (typeof body === 'string') rec.body = body;
    else if (body) {
      const file = (await readMultipart(body)).parts.find((p) => p.name === 'file' && p.fileName !== undefined);
      if (file) {
        rec.fileBytes = file.bytes.length;
        rec.fileName = file.fileName!;
      }
    }
    this.requests.push(rec);

    const script = this.scripted.get(request.operation)?.shift();
    if (script) {
      return { status: script.status, headers: new Headers(script.headers ?? {}), body: script.body };
    }
    if (request.operation === 'token') return this.token(rec.body ?? '');
    const auth = request.headers.authorization?.replace(/^Bearer /, '');
    if (!auth || !this.valid.has(auth)) return json(401, { error: { code: 'TOKEN_EXPIRED', message: 'token expired' } });
    if (request.operation === 'entries') return this.page(request.url);
    if (request.operation === 'upload') return json(202, { importId: 'imp_1', status: 'processing' });
    const id = decodeURIComponent(request.url.pathname.split('/').pop() ?? '');
    const imp = this.imports.get(id);
    if (!imp) return json(404, { error: { code: 'NOT_FOUND', message: 'no such import' } });
    const next = imp.answers.length > 1 ? imp.answers.shift()! : imp.answers[0]!;
    return json(200, next.value, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
  }

  private token(form: string): HttpResponse {
    const p = new URLSearchParams(form);
    if (p.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
    if (p.get('client_id') !== this.clientId || p.get('client_secret') !== this.clientSecret) {
      return json(401, { error: 'invalid_client', error_description: `bad secret ${p.get('client_secret')}` });
    }
    const token = `tok-${++this.tokenCount}`;
    this.valid.add(token);
    return json(200, { access_token: token, token_type: 'Bearer', expires_in: this.expiresIn });
  }

  private page(url: URL): HttpResponse {
    const page = Number(url.searchParams.get('page') ?? '1');
    const pageSize = Number(url.searchParams.get('pageSize') ?? '100');
    const sorted = [...this.entries].sort((a, b) => (a.id < b.id ? -1 : 1));
    const data = sorted.slice((page - 1) * pageSize, page * pageSize);
    const answer = { data, page, pageSize, totalItems: sorted.length, totalPages: Math.ceil(sorted.length / pageSize) };
    this.onEntriesRequest?.(page);
    return json(200, answer);
  }
}
