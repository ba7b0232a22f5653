// Each part of a mapping file tried on its own, in the order a run needs them, each told as it
// ends. Only the mapping file stops the others: without it nothing is known. Clearnox failing
// still leaves the database and the store to try, on --number. Nothing is sent, no state written.
import type { AdapterContext } from '../../adapters/types.js';
import { loadConfig } from '../cli/context.js';
import { kindOfError } from '../cli/errors.js';
import { createLogger } from '../log.js';
import type { LoadedMapping } from '../mapping/schema.js';
import { makeNormaliser } from '../match/normalise.js';
import { checkClearnox } from './clearnox.js';
import { checkSource, sourcesToCheck, type FoundDocument } from './database.js';
import { checkDocuments, openStore } from './documents.js';
import { checkFolder, outputFolders } from './folders.js';
import type { CheckLine } from './lines.js';

export interface CheckOptions {
  config: string;
  /** Numbers to try the query on instead of Clearnox's (--number). */
  numbers: string[];
  report?: string;
  logDir?: string;
  /** Called with each line as its check ends. */
  emit: (line: CheckLine) => void;
  today?: string;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function runChecks(opts: CheckOptions): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  const emit = (...more: CheckLine[]) => {
    for (const line of more) {
      lines.push(line);
      opts.emit(line);
    }
  };
  let loaded: LoadedMapping;
  try {
    loaded = await loadConfig(opts.config);
  } catch (e) {
    emit({
      status: 'fail',
      title: 'Mapping file',
      found: messageOf(e),
      kind: kindOfError(e),
      todo: 'Correct the mapping file: nothing else can be checked without it (the database, the store and Clearnox are all read from it).',
    });
    return lines;
  }
  const { source, documents } = loaded.bound;
  const companies = source.companies ? `, ${source.companies.size} companies` : '';
  emit({ status: 'ok', title: 'Mapping file', found: `${loaded.file} is valid (source: ${source.shared.adapter.type}${companies}; documents: ${documents.adapter.type})` });

  for (const folder of outputFolders(loaded, opts)) emit(await checkFolder(folder));

  // What the adapters and the client warn of is shown under the check that caused it.
  const warnings: string[] = [];
  const log = createLogger({ console: true, level: 'warn', consoleWrite: (text) => void warnings.push(text.trim().replace(/^WARN: /, '')) });
  const taken = () => warnings.splice(0);
  const ctx: AdapterContext = { baseDir: loaded.baseDir, log, source: loaded.mapping.source };

  const clearnox = await checkClearnox(loaded, log);
  taken();
  emit(...clearnox.lines);

  if (source.companies && opts.numbers.length === 0) {
    const mapped = source.companies;
    const unmapped = [...new Set(clearnox.entries.map((e) => e.companyCode).filter((c) => c === null || !mapped.has(c)))];
    if (unmapped.length > 0) {
      emit({
        status: 'warn',
        title: 'Database',
        found: `Clearnox lists entries of ${unmapped.map((c) => c ?? '(no company)').join(', ')}, which source.companies has no source for: a run does not look them up`,
        todo: 'Add those companies under source.companies, or filter them out with clearnox.companyCode.',
      });
    }
  }
  const normalise = makeNormaliser(loaded.mapping.match);
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const found: FoundDocument[] = [];
  for (const s of sourcesToCheck(loaded, clearnox.entries, opts.numbers, today)) {
    const checked = await checkSource({ ...s, normalise, ctx, mappingFile: loaded.file, warnings: taken });
    emit(...checked.lines);
    found.push(...checked.documents);
  }

  const { store, lines: storeLines } = await openStore(loaded, ctx, taken);
  emit(...storeLines);
  if (!store) return lines;
  try {
    if (loaded.mapping.documents.index) {
      emit({ status: 'warn', title: 'Documents', found: 'not tried: with documents.index a run finds the files by scanning the store for their names, which check does not do', todo: 'Try it with run --dry-run, which sends nothing.' });
    } else if (found.length > 0) {
      emit(...(await checkDocuments(store, found, loaded)));
    } else if (lines.some((l) => l.title.startsWith('Database query') && l.status !== 'fail')) {
      emit({ status: 'warn', title: 'Documents', found: 'not tried: the query gave no path to read' });
    }
  } finally {
    await store.close().catch(() => undefined);
  }
  for (const w of taken()) emit({ status: 'warn', title: 'Documents', found: w });
  return lines;
}
