// The sandbox's whole state: entries, tokens, imports and idempotency keys, in memory.
// Everything that decides "who may see or change what" reads and writes through here so that
// the HTTP layer and the import processing cannot disagree about an entry.
import { randomBytes } from 'node:crypto';
import { EntrySchema, type Entry, type ImportDocument } from '../clearnox/contract.js';
import type { z } from 'zod';

export type EntryInput = z.input<typeof EntrySchema>;

export interface AttachedDocument {
  fileName: string;
  size: number;
  sha256: string;
  /** null when the document was attached outside the API (see attachOutOfBand). */
  importId: string | null;
}

export interface EntryRecord {
  entry: Entry;
  attached: AttachedDocument | null;
  /** How many times a document was attached: anything above 1 is a bug the tests look for. */
  attachCount: number;
}

export type ImportStatus = 'processing' | 'completed' | 'failed';

export interface ImportRecord {
  importId: string;
  idempotencyKey: string | null;
  archiveSha256: string;
  archiveSize: number;
  receivedAt: Date;
  status: ImportStatus;
  documents: ImportDocument[];
  ignoredFiles: string[];
  error: { code: string; message: string } | null;
  /** Set by failNextImport: the import ends failed with this code. */
  forcedFailure: string | null;
}

interface TokenRecord {
  expiresAt: number;
  revoked: boolean;
}

export type TokenCheck = 'ok' | 'unknown' | 'expired';

export interface RequestCounts {
  tokens: number;
  pages: number;
  imports: number;
  polls: number;
}

export interface SandboxState {
  entries: Array<{
    id: string;
    documentNumber: string;
    companyCode: string | null;
    attached: AttachedDocument | null;
    attachCount: number;
  }>;
  imports: Array<{
    importId: string;
    idempotencyKey: string | null;
    status: ImportStatus;
    receivedAt: string;
    documents: ImportDocument[];
    ignoredFiles: string[];
    error: { code: string; message: string } | null;
  }>;
  requests: RequestCounts;
}

export interface EntryFilter {
  companyCode?: string;
  dateFrom?: string;
  dateTo?: string;
}

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export class SandboxStore {
  private readonly entries = new Map<string, EntryRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly imports = new Map<string, ImportRecord>();
  private readonly idempotency = new Map<string, { importId: string; at: number }>();
  readonly requests: RequestCounts = { tokens: 0, pages: 0, imports: 0, polls: 0 };

  constructor(private readonly now: () => number) {}

  addEntries(inputs: readonly EntryInput[]): void {
    // Validate all before adding any, so a bad batch leaves the state as it was.
    const parsed: Entry[] = [];
    const seen = new Set<string>();
    inputs.forEach((input, index) => {
      const result = EntrySchema.safeParse(input);
      if (!result.success) {
        throw new Error(`sandbox entry #${index} is invalid: ${result.error.issues.map(issueText).join('; ')}`);
      }
      const id = result.data.id;
      if (this.entries.has(id) || seen.has(id)) throw new Error(`sandbox entry #${index}: id "${id}" is used twice`);
      seen.add(id);
      parsed.push(result.data);
    });
    for (const entry of parsed) this.entries.set(entry.id, { entry, attached: null, attachCount: 0 });
  }

  getEntry(id: string): EntryRecord | undefined {
    return this.entries.get(id);
  }

  /** The live list: entries without a document, ordered by id (UTF-16 code unit order, like a byte-wise DB collation for ASCII ids). */
  entriesWithoutDocument(filter: EntryFilter): Entry[] {
    const out: Entry[] = [];
    for (const record of this.entries.values()) {
      if (record.attached) continue;
      const e = record.entry;
      if (filter.companyCode !== undefined && e.companyCode !== filter.companyCode) continue;
      if (filter.dateFrom !== undefined && e.entryDate < filter.dateFrom) continue;
      if (filter.dateTo !== undefined && e.entryDate > filter.dateTo) continue;
      out.push(e);
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  attach(entryId: string, document: AttachedDocument): void {
    const record = this.entries.get(entryId);
    if (!record) throw new Error(`unknown entry ${entryId}`);
    record.attached = document;
    record.attachCount += 1;
  }

  issueToken(ttlSeconds: number): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { expiresAt: this.now() + ttlSeconds * 1000, revoked: false });
    return token;
  }

  checkToken(token: string): TokenCheck {
    const record = this.tokens.get(token);
    if (!record) return 'unknown';
    if (record.revoked || this.now() >= record.expiresAt) return 'expired';
    return 'ok';
  }

  expireAllTokens(): void {
    for (const record of this.tokens.values()) record.revoked = true;
  }

  createImport(fields: { idempotencyKey: string | null; archiveSha256: string; archiveSize: number; forcedFailure: string | null }): ImportRecord {
    const record: ImportRecord = {
      importId: `imp_${randomBytes(8).toString('hex')}`,
      receivedAt: new Date(this.now()),
      status: 'processing',
      documents: [],
      ignoredFiles: [],
      error: null,
      ...fields,
    };
    this.imports.set(record.importId, record);
    if (fields.idempotencyKey !== null) {
      this.idempotency.set(fields.idempotencyKey, { importId: record.importId, at: this.now() });
    }
    return record;
  }

  getImport(importId: string): ImportRecord | undefined {
    return this.imports.get(importId);
  }

  /** The import an Idempotency-Key still refers to, or undefined once the 24-hour window has passed. */
  importForKey(key: string): ImportRecord | undefined {
    const hit = this.idempotency.get(key);
    if (!hit) return undefined;
    if (this.now() - hit.at >= IDEMPOTENCY_WINDOW_MS) {
      this.idempotency.delete(key);
      return undefined;
    }
    return this.imports.get(hit.importId);
  }

  processingCount(): number {
    let n = 0;
    for (const record of this.imports.values()) if (record.status === 'processing') n += 1;
    return n;
  }

  snapshot(): SandboxState {
    const entries = [...this.entries.values()]
      .sort((a, b) => (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0))
      .map((r) => ({
        id: r.entry.id,
        documentNumber: r.entry.documentNumber,
        companyCode: r.entry.companyCode,
        attached: r.attached ? { ...r.attached } : null,
        attachCount: r.attachCount,
      }));
    const imports = [...this.imports.values()].map((r) => ({
      importId: r.importId,
      idempotencyKey: r.idempotencyKey,
      status: r.status,
      receivedAt: isoSeconds(r.receivedAt),
      documents: r.documents.map((d) => ({ ...d, entryIds: [...d.entryIds] })),
      ignoredFiles: [...r.ignoredFiles],
      error: r.error ? { ...r.error } : null,
    }));
    return { entries, imports, requests: { ...this.requests } };
  }
}

/** The contract's example shows `2024-03-02T06:01:00Z`: no milliseconds. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function issueText(issue: { path: PropertyKey[]; message: string }): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(root)';
  return `${where}: ${issue.message}`;
}
