// Helpers for the sandbox tests: build archives, talk to the sandbox with plain fetch.
import archiver from 'archiver';
import { crc32 } from 'node:zlib';
import type { Entry } from '../../src/clearnox/contract.js';
import { entry as baseEntry } from '../helpers/entries.js';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox/server.js';

export const CLIENT_ID = 'sandbox-client';
export const CLIENT_SECRET = 'sandbox-secret';

export function entry(id: string, over: Partial<Entry> = {}): Entry {
  return baseEntry(id, `FA-${id}`, { companyCode: 'ACME-FR', accountNumber: '411DUPONT', accountName: 'Dupont SARL', ...over });
}

/** ent_001 … ent_NNN, so that id order and creation order agree. */
export function entries(count: number, over: (i: number) => Partial<Entry> = () => ({})): Entry[] {
  return Array.from({ length: count }, (_, i) => entry(`ent_${String(i + 1).padStart(3, '0')}`, over(i)));
}

/** A sandbox tuned for tests: fast processing and no rate limit unless asked. */
export function start(options: Partial<SandboxOptions> = {}): Promise<SandboxHandle> {
  return startSandbox({ entries: [], processingDelayMs: 5, rateLimit: false, ...options });
}

export function pdf(label = 'invoice'): Buffer {
  return Buffer.from(`%PDF-1.4\n% ${label}\n%%EOF\n`, 'latin1');
}

export interface ZipFileSpec {
  name: string;
  data: Buffer | string;
}

/** A ZIP built by archiver, as the connector builds its archives. */
export async function zip(files: ZipFileSpec[]): Promise<Buffer> {
  const archive = archiver('zip', { zlib: { level: 1 } });
  const chunks: Buffer[] = [];
  archive.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  for (const f of files) archive.append(typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : f.data, { name: f.name });
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * A stored (uncompressed) ZIP written byte by byte, for what archiver refuses to write: names with
 * "..", backslashes, or the same name twice.
 */
export function rawZip(files: ZipFileSpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const data = typeof f.data === 'string' ? Buffer.from(f.data, 'utf8') : f.data;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6); // names are UTF-8
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export interface DocSpec {
  fileName: string;
  entryIds: string[];
  documentNumber?: string;
}

export function metadata(documents: DocSpec[]): string {
  return JSON.stringify({ version: 1, documents });
}

/** An archive with a PDF for each document, any extra files, and metadata.json. */
export function importZip(documents: DocSpec[], extra: ZipFileSpec[] = []): Promise<Buffer> {
  const files = documents.map((d) => ({ name: d.fileName, data: pdf(d.fileName) }));
  return zip([...files, ...extra, { name: 'metadata.json', data: metadata(documents) }]);
}

export async function getToken(url: string, id = CLIENT_ID, secret = CLIENT_SECRET): Promise<string> {
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret }),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface JsonAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

async function answer<T>(res: Response): Promise<JsonAnswer<T>> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
}

export async function get<T = any>(url: string, token: string | null, path: string): Promise<JsonAnswer<T>> {
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  return answer<T>(await fetch(`${url}${path}`, { headers }));
}

export interface UploadOptions {
  key?: string;
  contentType?: string;
  partName?: string;
}

export async function upload<T = any>(url: string, token: string, archive: Buffer, options: UploadOptions = {}): Promise<JsonAnswer<T>> {
  const form = new FormData();
  form.append(options.partName ?? 'file', new Blob([archive], { type: options.contentType ?? 'application/zip' }), 'documents.zip');
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  return answer<T>(await fetch(`${url}/api/v1/documents/imports`, { method: 'POST', headers, body: form }));
}

/** Polls an import until it is no longer processing. */
export async function waitForImport<T = any>(url: string, token: string, importId: string): Promise<JsonAnswer<T>> {
  for (let i = 0; i < 200; i++) {
    const res = await get(url, token, `/api/v1/documents/imports/${importId}`);
    if (res.status !== 200 || res.body.status !== 'processing') return res;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`import ${importId} still processing`);
}

/** Upload, expect 202, and wait for the result. */
export async function importAndWait(url: string, token: string, archive: Buffer, options: UploadOptions = {}): Promise<JsonAnswer> {
  const accepted = await upload(url, token, archive, options);
  if (accepted.status !== 202) throw new Error(`upload: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return waitForImport(url, token, accepted.body.importId);
}
