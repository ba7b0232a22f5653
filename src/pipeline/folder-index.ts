// documents.index: for ERPs that keep no path, the store's tree is read once per run and each
// file name gives a document number through the configured pattern; the run then joins on it.
// A name that does not match is skipped (most folders also hold other files); only the paths
// of matching files are kept, so memory follows the number of invoices, not of files.
import path from 'node:path';
import { z } from 'zod';
import { AdapterConfigError, DocumentError, type AdapterContext, type DocumentStore } from '../../adapters/types.js';
import type { Normaliser } from '../match/normalise.js';

export const FolderIndexSchema = z
  .object({
    pattern: z
      .string()
      .min(1)
      .refine(
        (p) => {
          try {
            new RegExp(p, 'u');
            return true;
          } catch {
            return false;
          }
        },
        { message: 'not a valid regular expression' },
      )
      .describe(
        'Regular expression matched against each file name (without its folder); the group named "number" (or the first group) is the document number, e.g. "^(?<number>FA\\\\d+).*\\\\.pdf$". Files whose name does not match are skipped.',
      ),
    folders: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Sub-folders of the root to scan, e.g. ["2024", "2025"] (default: the whole root, sub-folders included).'),
    ignoreCase: z.boolean().default(true).describe('Match the pattern without regard to case ("fa123.PDF" as "FA123.pdf").'),
  })
  .strict()
  .describe('Find the PDFs by file name instead of by a path from the database: the store is scanned once per run.');

export type FolderIndexSection = z.output<typeof FolderIndexSchema>;

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
  if (!store.list) throw new AdapterConfigError('documents.index: this document store cannot list its folders.');
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
        throw new AdapterConfigError(`documents.index.folders: the folder "${folder}" cannot be scanned: ${e.message}.`, { cause: e });
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
