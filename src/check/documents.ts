// The document store as a run opens it, then a few of the paths the query gave, checked and read
// to their end as the run checks a document before packing it (size, PDF signature).
import { DocumentError, UntrustedServerError, type AdapterContext, type DocumentStore } from '../../adapters/types.js';
import type { LoadedMapping } from '../mapping/schema.js';
import { abortKind } from '../pipeline/classify.js';
import { InvalidDocumentError, openPdf, statDocument } from '../pipeline/document-check.js';
import type { FoundDocument } from './database.js';
import type { CheckLine } from './lines.js';

const MiB = 1024 * 1024;
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The line to add to the mapping file, from the refusal of an SFTP server that is not pinned. */
export function pinLine(message: string): string | null {
  return /hostKeyFingerprint: "SHA256:[A-Za-z0-9+/]+"/.exec(message)?.[0] ?? null;
}

export async function openStore(loaded: LoadedMapping, ctx: AdapterContext, warnings: () => string[]): Promise<{ store: DocumentStore | null; lines: CheckLine[] }> {
  const { adapter, options, section } = loaded.bound.documents;
  const title = 'Document store';
  const lines: CheckLine[] = [];
  try {
    const store = await adapter.open(options, ctx);
    const pinned = section.type === 'sftp' ? '; its host key is the one pinned in documents.hostKeyFingerprint' : '';
    lines.push({ status: 'ok', title, found: `reached ${store.description} (documents.type: ${section.type})${pinned}` });
    for (const w of warnings()) lines.push({ status: 'warn', title, found: w });
    return { store, lines };
  } catch (e) {
    for (const w of warnings()) lines.push({ status: 'warn', title, found: w });
    const message = messageOf(e);
    const pin = e instanceof UntrustedServerError ? pinLine(message) : null;
    // The line to pin is shown on its own, to be copied; the message's own copy of it goes.
    const changed = /replace the fingerprint with/.test(message);
    lines.push({
      status: 'fail',
      title,
      found: pin ? message.replace(/\s*If (?:it matches, add under documents:|the new key is genuine, replace the fingerprint with)\s+hostKeyFingerprint: "[^"]+"\s*$/, '') : message,
      kind: abortKind(e),
      ...(pin
        ? {
            details: ['documents:', `  ${pin}`],
            todo: `Once the fingerprint is confirmed with the server's administrator, ${changed ? 'put that line in place of documents.hostKeyFingerprint' : 'add that line under documents:'} in the mapping file.`,
          }
        : {}),
    });
    return { store: null, lines };
  }
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  return bytes < MiB ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}

async function readToEnd(store: DocumentStore, path: string, maxBytes: number): Promise<void> {
  const stream = await openPdf(store, path, maxBytes);
  for await (const chunk of stream) void chunk;
}

export async function checkDocuments(store: DocumentStore, documents: FoundDocument[], loaded: LoadedMapping): Promise<CheckLine[]> {
  const maxBytes = Math.floor(loaded.mapping.upload.maxDocumentMiB * MiB);
  const lines: CheckLine[] = [];
  for (const doc of documents) {
    const title = `Document ${doc.documentNumber}`;
    try {
      const size = await statDocument(store, doc.path, maxBytes);
      await readToEnd(store, doc.path, maxBytes);
      lines.push({ status: 'ok', title, found: `${doc.path}: a PDF of ${sizeText(size)}, read to its end` });
    } catch (e) {
      const message = messageOf(e);
      const found = message.includes(doc.path) ? message : `${doc.path}: ${message}`;
      if (e instanceof DocumentError && e.kind === 'connection_lost') lines.push({ status: 'fail', title, found, kind: 'unreachable' });
      else if (e instanceof InvalidDocumentError || e instanceof DocumentError) {
        lines.push({
          status: 'fail',
          title,
          found,
          document: true,
          todo: e instanceof DocumentError && e.kind === 'not_found' ? `Check that the file is in ${store.description}, and source.pathColumn or source.pathTemplate.` : 'A run reports this document and sends the others.',
        });
      } else lines.push({ status: 'fail', title, found, kind: abortKind(e) });
    }
  }
  return lines;
}
