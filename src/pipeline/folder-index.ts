// documents.index: for ERPs that keep no path, the store's tree is read once per run and each
// file name gives a document number through the configured pattern; the run then joins on it.
// A name that does not match is skipped (most folders also hold other files); only the paths
// of matching files are kept, so memory follows the number of invoices, not of files.
import path from 'node:path';
import { DocumentError, type AdapterContext, type DocumentStore } from '../../adapters/types.js';
import { ConfigError } from '../errors.js';
import type { FolderIndexSection } from '../mapping/schema.js';
import type { Normaliser } from '../match/normalise.js';

export interface FolderIndex {
  /** Normalised document number -> paths of the files named for it. */
  paths: Map<string, string[]>;
  scanned: number;
  skipped: number;
}

export async function scanFolderIndex(
  store: DocumentStore,
  section: FolderIndexSection,
  normalise: Normaliser,
  log: AdapterContext['log'],
): Promise<FolderIndex> {
  if (!store.list) throw new ConfigError('documents.index: this document store cannot list its folders.');
  const pattern = new RegExp(section.pattern, section.ignoreCase ? 'iu' : 'u');
  const index: FolderIndex = { paths: new Map(), scanned: 0, skipped: 0 };
  for (const folder of section.folders ?? ['']) {
    try {
      for await (const file of store.list(folder)) {
        index.scanned += 1;
        const m = pattern.exec(path.posix.basename(file.path));
        const number = m ? (m.groups?.number ?? m[1] ?? m[0]) : undefined;
        if (!number) {
          index.skipped += 1;
          continue;
        }
        const key = normalise(number);
        const known = index.paths.get(key);
        if (known) known.push(file.path);
        else index.paths.set(key, [file.path]);
      }
    } catch (e) {
      if (e instanceof DocumentError && (e.kind === 'not_found' || e.kind === 'outside_root')) {
        throw new ConfigError(`documents.index.folders: the folder "${folder}" cannot be scanned: ${e.message}.`, { cause: e });
      }
      throw e;
    }
  }
  log.info(
    { scanned: index.scanned, skipped: index.skipped, numbers: index.paths.size },
    `Scanned ${index.scanned} files in ${store.description}: ${index.paths.size} document numbers found, ${index.skipped} names did not match documents.index.pattern.`,
  );
  return index;
}
