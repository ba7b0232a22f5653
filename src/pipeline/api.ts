import type { Entry, Import } from '../clearnox/contract.js';

/** What the pipeline needs of Clearnox; ClearnoxClient provides it. */
export interface ClearnoxApi {
  listMissingEntries(
    filters?: { companyCode?: string; dateFrom?: string; dateTo?: string },
    opts?: { pageSize?: number; onPage?: (page: number, totalPages: number) => void; signal?: AbortSignal },
  ): Promise<Entry[]>;
  uploadArchive(archivePath: string, idempotencyKey: string, signal?: AbortSignal): Promise<{ importId: string; status: string }>;
  waitForImport(importId: string, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<Import>;
}
