// Turns an accepted archive into per-document outcomes and attaches the accepted documents.
// All reading happens first; deciding and attaching then run without an await in between, so two
// imports processed at once can never both attach to the same entry.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { fileNameProblem, PDF_MAGIC, type ImportDocument, type Metadata, type RejectionCode } from '../clearnox/contract.js';
import { METADATA_NAME } from './archive-check.js';
import type { SandboxLimits } from './limits.js';
import type { ImportRecord, SandboxStore } from './store.js';
import { openZip, type OpenedZip, type ZipItem } from './zip-reader.js';

type Doc = Metadata['documents'][number];

interface Pending {
  doc: Doc;
  item: ZipItem;
}

interface ReadFile {
  size: number;
  sha256: string;
  isPdf: boolean;
}

/** Thrown when a document's bytes cannot be read: the archive is corrupt, so the import fails. */
class CorruptArchive extends Error {
  override readonly name = 'CorruptArchive';
}

export async function processImport(
  store: SandboxStore,
  record: ImportRecord,
  archivePath: string,
  metadata: Metadata,
  limits: SandboxLimits,
): Promise<void> {
  if (record.forcedFailure !== null) {
    return fail(record, record.forcedFailure, 'import failed (injected by the sandbox control failNextImport)');
  }
  let zip: OpenedZip;
  try {
    zip = await openZip(archivePath, Number.MAX_SAFE_INTEGER);
  } catch (err) {
    return fail(record, 'INVALID_ARCHIVE', `the archive cannot be read: ${(err as Error).message}`);
  }
  try {
    const files = zip.items.filter((i) => !i.isDirectory);
    const outcomes: Array<ImportDocument | Pending> = staticChecks(metadata, files, limits);

    const contents = new Map<Pending, ReadFile>();
    for (const outcome of outcomes) {
      if ('item' in outcome) contents.set(outcome, await readDocument(zip, outcome.item));
    }

    // From here to the end: synchronous, see the header comment.
    const documents = outcomes.map((outcome) => ('item' in outcome ? decideAndAttach(store, record, outcome, contents.get(outcome)!) : outcome));
    const named = new Set(metadata.documents.map((d) => d.fileName));
    record.documents = documents;
    record.ignoredFiles = files.filter((f) => f.name !== METADATA_NAME && !named.has(f.name)).map((f) => f.name);
    record.status = 'completed';
  } catch (err) {
    if (err instanceof CorruptArchive) return fail(record, 'INVALID_ARCHIVE', err.message);
    return fail(record, 'INTERNAL', `sandbox error while processing: ${(err as Error).message}`);
  } finally {
    zip.close();
  }
}

function fail(record: ImportRecord, code: string, message: string): void {
  record.status = 'failed';
  record.error = { code, message };
  record.documents = [];
  record.ignoredFiles = [];
}

function rejected(doc: Doc, code: RejectionCode, message: string): ImportDocument {
  return { fileName: doc.fileName, status: 'rejected', entryIds: [...doc.entryIds], error: { code, message } };
}

/**
 * The checks that need only names and sizes. The first failing rule gives the document's code,
 * in this order: name, duplicate name, entry listed twice, missing file, size.
 */
function staticChecks(metadata: Metadata, files: ZipItem[], limits: SandboxLimits): Array<ImportDocument | Pending> {
  const filesByName = groupBy(files, (f) => f.name);
  const filesByFoldedName = groupBy(files, (f) => fold(f.name));
  const firstDocWithName = new Map<string, number>();
  const firstDocWithEntry = new Map<string, number>();
  metadata.documents.forEach((doc, index) => {
    if (!firstDocWithName.has(fold(doc.fileName))) firstDocWithName.set(fold(doc.fileName), index);
    for (const id of doc.entryIds) if (!firstDocWithEntry.has(id)) firstDocWithEntry.set(id, index);
  });

  return metadata.documents.map((doc, index): ImportDocument | Pending => {
    const nameProblem = fileNameProblem(doc.fileName);
    if (nameProblem) return rejected(doc, 'INVALID_FILE_NAME', `file name ${JSON.stringify(doc.fileName)}: ${nameProblem}`);

    const firstIndex = firstDocWithName.get(fold(doc.fileName))!;
    if (firstIndex !== index) {
      return rejected(doc, 'DUPLICATE_FILE_NAME', `document #${firstIndex} already has this file name (compared case-insensitively)`);
    }
    const sameFolded = filesByFoldedName.get(fold(doc.fileName)) ?? [];
    if (sameFolded.length > 1) {
      const names = sameFolded.map((f) => JSON.stringify(f.name)).join(', ');
      return rejected(doc, 'DUPLICATE_FILE_NAME', `the archive holds ${sameFolded.length} files with this name (compared case-insensitively): ${names}`);
    }

    const repeated = doc.entryIds.filter((id, i) => firstDocWithEntry.get(id) !== index || doc.entryIds.indexOf(id) !== i);
    if (repeated.length > 0) {
      return rejected(doc, 'ENTRY_LISTED_TWICE', `entries listed under an earlier document or twice under this one: ${[...new Set(repeated)].join(', ')}`);
    }

    const item = filesByName.get(doc.fileName)?.[0];
    if (!item) {
      const near = sameFolded[0];
      const hint = near ? ` (the archive has ${JSON.stringify(near.name)}; names are compared exactly)` : '';
      return rejected(doc, 'FILE_MISSING_IN_ARCHIVE', `no file ${JSON.stringify(doc.fileName)} in the archive${hint}`);
    }
    if (item.uncompressedSize > limits.documentBytes) {
      return rejected(doc, 'DOCUMENT_TOO_LARGE', `${item.uncompressedSize} bytes; the limit is ${limits.documentBytes}`);
    }
    return { doc, item };
  });
}

async function readDocument(zip: OpenedZip, item: ZipItem): Promise<ReadFile> {
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  let crc = 0;
  try {
    for await (const chunk of (await zip.read(item)) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      crc = crc32(chunk, crc);
      size += chunk.length;
      if (head.length < PDF_MAGIC.length) head = Buffer.concat([head, chunk.subarray(0, PDF_MAGIC.length - head.length)]);
    }
  } catch (err) {
    throw new CorruptArchive(`${JSON.stringify(item.name)} cannot be read from the archive: ${(err as Error).message}`);
  }
  // yauzl checks sizes but not checksums; an unzip tool would refuse this file, so does the sandbox.
  if (crc !== item.entry.crc32) throw new CorruptArchive(`${JSON.stringify(item.name)} fails its CRC-32 check`);
  return { size, sha256: hash.digest('hex'), isPdf: head.equals(PDF_MAGIC) };
}

function decideAndAttach(store: SandboxStore, record: ImportRecord, pending: Pending, file: ReadFile): ImportDocument {
  const { doc } = pending;
  if (!file.isPdf) return rejected(doc, 'INVALID_PDF', `does not start with ${PDF_MAGIC.toString('latin1')}`);

  const unknown = doc.entryIds.filter((id) => !store.getEntry(id));
  if (unknown.length > 0) return rejected(doc, 'ENTRY_NOT_FOUND', `unknown entries: ${unknown.join(', ')}`);

  const taken = doc.entryIds.filter((id) => store.getEntry(id)!.attached !== null);
  if (taken.length > 0) return rejected(doc, 'ENTRY_ALREADY_HAS_DOCUMENT', `entries that already have a document: ${taken.join(', ')}`);

  for (const id of doc.entryIds) {
    store.attach(id, { fileName: doc.fileName, size: file.size, sha256: file.sha256, importId: record.importId });
  }
  return { fileName: doc.fileName, status: 'attached', entryIds: [...doc.entryIds] };
}

/** Case-insensitive comparison of file names, as a case-insensitive file system would do it. */
function fold(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
