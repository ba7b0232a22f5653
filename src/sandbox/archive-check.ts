// What is checked while the client waits for its 202: that the archive is a ZIP, within the
// document limit, with a valid metadata.json at its root. Everything per document is left to the
// asynchronous processing (processing.ts), as the contract reports it in the import result.
import { MetadataSchema, type Metadata } from '../clearnox/contract.js';
import { refusal, type Refusal } from './multipart.js';
import { issueText } from './store.js';
import { openZip, readAll, type OpenedZip, type ZipItem } from './zip-reader.js';
import type { SandboxLimits } from './limits.js';

export const METADATA_NAME = 'metadata.json';

/** metadata.json for 1,000 documents fits easily; anything this large is not a metadata file. */
const METADATA_MAX_BYTES = 16 * 1024 * 1024;

/** Entries listed at most (files and folders); past it the archive is refused as too large. */
const MAX_ZIP_ITEMS = 100_000;

export interface CheckedArchive {
  ok: true;
  metadata: Metadata;
}

export async function checkArchive(path: string, limits: SandboxLimits): Promise<CheckedArchive | Refusal> {
  let zip: OpenedZip;
  try {
    zip = await openZip(path, MAX_ZIP_ITEMS);
  } catch (err) {
    return refusal(400, 'INVALID_ARCHIVE', `not a readable ZIP archive: ${(err as Error).message}`);
  }
  try {
    const files = zip.items.filter((i) => !i.isDirectory);
    // Every file but metadata.json counts, named by metadata or not: the limit is on what is sent.
    const documents = files.filter((i) => i.name !== METADATA_NAME);
    if (zip.truncated || documents.length > limits.archiveDocuments) {
      return refusal(413, 'ARCHIVE_TOO_LARGE', `the archive holds more than ${limits.archiveDocuments} files besides metadata.json`);
    }
    const metadataItems = files.filter((i) => i.name === METADATA_NAME);
    if (metadataItems.length === 0) {
      return refusal(400, 'INVALID_METADATA', `no ${METADATA_NAME} at the root of the archive`);
    }
    if (metadataItems.length > 1) {
      return refusal(400, 'INVALID_METADATA', `${METADATA_NAME} appears ${metadataItems.length} times in the archive`);
    }
    return await readMetadata(zip, metadataItems[0]!, limits);
  } finally {
    zip.close();
  }
}

async function readMetadata(zip: OpenedZip, item: ZipItem, limits: SandboxLimits): Promise<CheckedArchive | Refusal> {
  if (item.uncompressedSize > METADATA_MAX_BYTES) {
    return refusal(400, 'INVALID_METADATA', `${METADATA_NAME} is over ${METADATA_MAX_BYTES} bytes`);
  }
  let bytes: Buffer;
  try {
    bytes = await readAll(await zip.read(item), METADATA_MAX_BYTES);
  } catch (err) {
    return refusal(400, 'INVALID_ARCHIVE', `${METADATA_NAME} cannot be read from the archive: ${(err as Error).message}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refusal(400, 'INVALID_METADATA', `${METADATA_NAME} is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return refusal(400, 'INVALID_METADATA', `${METADATA_NAME} is not JSON: ${(err as Error).message}`);
  }
  // The document limit is a 413 by the contract, though the schema would call it invalid metadata.
  const docs = (json as { documents?: unknown } | null)?.documents;
  if (Array.isArray(docs) && docs.length > limits.archiveDocuments) {
    return refusal(413, 'ARCHIVE_TOO_LARGE', `${METADATA_NAME} lists ${docs.length} documents; the limit is ${limits.archiveDocuments}`);
  }
  const parsed = MetadataSchema.safeParse(json);
  if (!parsed.success) {
    return refusal(400, 'INVALID_METADATA', `${METADATA_NAME} does not match the contract: ${parsed.error.issues.map(issueText).join('; ')}`);
  }
  return { ok: true, metadata: parsed.data };
}
