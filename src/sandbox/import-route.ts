// POST /api/v1/documents/imports: receive, check, and either accept the archive (202), answer
// from its Idempotency-Key, or refuse it. Nothing is imported unless the answer is a new 202.
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkArchive } from './archive-check.js';
import type { ForcedImportFailures } from './control.js';
import { sendApiError, sendJson, singleHeader } from './http.js';
import type { ImportRunner } from './import-runner.js';
import type { SandboxLimits } from './limits.js';
import { discardRest, receiveArchive } from './multipart.js';
import type { ImportRecord, SandboxStore } from './store.js';

/** Room for the multipart boundary and part headers around the archive itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export interface ImportRouteContext {
  store: SandboxStore;
  limits: SandboxLimits;
  runner: ImportRunner;
  forced: ForcedImportFailures;
  tempDir: string;
}

export async function handleCreateImport(req: IncomingMessage, res: ServerResponse, ctx: ImportRouteContext): Promise<void> {
  const key = singleHeader(req, 'idempotency-key');
  if (key !== undefined && (key.length < 1 || key.length > ctx.limits.idempotencyKeyLength)) {
    discardRest(req);
    return sendApiError(res, 400, 'INVALID_PARAMETER', `Idempotency-Key must be 1 to ${ctx.limits.idempotencyKeyLength} characters`);
  }
  // A declared length far over the limit is refused before a byte of it is read.
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > ctx.limits.archiveBytes + MULTIPART_OVERHEAD_BYTES) {
    discardRest(req);
    return sendApiError(res, 413, 'ARCHIVE_TOO_LARGE', `the request is ${declared} bytes; an archive may be at most ${ctx.limits.archiveBytes}`);
  }

  const received = await receiveArchive(req, { dir: ctx.tempDir, maxBytes: ctx.limits.archiveBytes });
  if (!received.ok) return sendApiError(res, received.status, received.code, received.message);

  let keep = false;
  try {
    // Answering from the key first: a replay never counts against the limits and never imports.
    if (key !== undefined && answerFromKey(res, ctx.store.importForKey(key), received.sha256)) return;

    const checked = await checkArchive(received.path, ctx.limits);
    if (!checked.ok) return sendApiError(res, checked.status, checked.code, checked.message);

    // Again, synchronously with createImport: the same key may have been accepted while this
    // request's archive was being checked.
    if (key !== undefined && answerFromKey(res, ctx.store.importForKey(key), received.sha256)) return;

    if (ctx.store.processingCount() >= ctx.limits.importsAtOnce) {
      const wait = ctx.runner.retryAfterSeconds();
      return sendApiError(res, 429, 'RATE_LIMITED', `${ctx.limits.importsAtOnce} imports are already processing; retry later`, {
        'retry-after': String(wait),
      });
    }
    const record = ctx.store.createImport({
      idempotencyKey: key ?? null,
      archiveSha256: received.sha256,
      archiveSize: received.size,
      forcedFailure: ctx.forced.take(),
    });
    ctx.runner.schedule(record, received.path, checked.metadata);
    keep = true;
    sendJson(res, 202, { importId: record.importId, status: record.status });
  } finally {
    if (!keep) await rm(received.path, { force: true });
  }
}

/** True when the key settled the answer (the first import, or 409). */
function answerFromKey(res: ServerResponse, existing: ImportRecord | undefined, sha256: string): boolean {
  if (!existing) return false;
  if (existing.archiveSha256 !== sha256) {
    sendApiError(res, 409, 'IDEMPOTENCY_KEY_REUSED', `this Idempotency-Key was used for another archive (import ${existing.importId})`);
  } else {
    sendJson(res, 202, { importId: existing.importId, status: existing.status });
  }
  return true;
}
