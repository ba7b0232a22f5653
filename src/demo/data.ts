// The data behind `clearnox-sync demo`: an ERP database, its PDF share, the Clearnox entries
// waiting for documents, and the mapping file that ties them together. Everything is derived
// from one seed so that a demo run (and its report) is the same on every machine.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Entry } from '../clearnox/contract.js';
import { installRoot } from '../install.js';
import { planEntries, type ExpectedOutcome } from './entries.js';
import { generateCustomers, generateDocuments, writeErpDatabase, type ErpDocument } from './erp.js';
import { renderDocumentPdf } from './invoice-pdf.js';
import { demoMappingYaml } from './mapping-yaml.js';
import { Prng } from './prng.js';

export interface DemoData {
  dir: string;
  dbPath: string;
  pdfRoot: string;
  entries: Entry[];
  mappingPath: string;
  expected: ExpectedOutcome;
}

export const DEFAULT_DEMO_SEED = 20240301;

// Proof that a folder was made by the demo: only such a folder may be wiped, so that a
// mistyped --dir cannot delete someone's files.
const MARKER = '.clearnox-demo';

async function resetDir(dir: string): Promise<void> {
  if (existsSync(dir)) {
    const names = await readdir(dir);
    if (names.length > 0 && !names.includes(MARKER)) {
      throw new Error(`${dir} is not empty and was not made by the demo; refusing to delete it. Choose an empty or new folder.`);
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, MARKER), 'Made by clearnox-sync demo; rebuilt (deleted) on every run.\n');
}

/** The $schema reference for the editor: relative when possible, so the demo folder can move with the project. */
function schemaRef(dir: string): string {
  const schema = path.join(installRoot(), 'mappings', 'mapping.schema.json');
  const rel = path.relative(dir, schema);
  // On Windows, another drive has no relative path.
  return path.isAbsolute(rel) ? pathToFileURL(schema).href : rel.split(path.sep).join('/');
}

// A document-management export that failed and saved its error page under the invoice's name:
// the file exists, has the right name, and is not a PDF.
function errorPage(doc: ErpDocument): string {
  return `<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>503 Service Unavailable</title></head>
<body>
<h1>Service temporairement indisponible</h1>
<p>La GED n'a pas pu générer le document ${doc.number}. Veuillez réessayer plus tard.</p>
</body>
</html>
`;
}

async function writePdfs(root: string, docs: ErpDocument[], skip: ErpDocument, corrupt: ErpDocument): Promise<void> {
  const folders = new Set(docs.map((d) => path.dirname(path.join(root, d.pdfFile))));
  for (const folder of folders) await mkdir(folder, { recursive: true });
  for (const doc of docs) {
    if (doc === skip) continue;
    const file = path.join(root, doc.pdfFile);
    await writeFile(file, doc === corrupt ? errorPage(doc) : await renderDocumentPdf(doc));
  }
}

/** Wipes `dir` (if the demo made it) and rebuilds the demo data in it. */
export async function buildDemoData(
  dir: string,
  opts: { baseUrl: string; clientId: string; seed?: number },
): Promise<DemoData> {
  const seed = opts.seed ?? DEFAULT_DEMO_SEED;
  dir = path.resolve(dir);
  await resetDir(dir);

  // Separate streams, so that changing how entries are drawn leaves the ERP as it was.
  const customers = generateCustomers(new Prng(seed));
  const docs = generateDocuments(new Prng(seed ^ 0x5eed0001), customers);
  const plan = planEntries(new Prng(seed ^ 0x5eed0002), customers, docs);

  const dbPath = path.join(dir, 'erp.sqlite');
  const pdfRoot = path.join(dir, 'pdfs');
  const mappingPath = path.join(dir, 'mapping.yaml');
  await writeErpDatabase(dbPath, customers, docs);
  await writePdfs(pdfRoot, docs, plan.missingFile, plan.corruptFile);
  await writeFile(path.join(dir, 'entries.json'), `${JSON.stringify({ entries: plan.entries }, null, 2)}\n`);
  await writeFile(mappingPath, demoMappingYaml({ schemaRef: schemaRef(dir), baseUrl: opts.baseUrl, clientId: opts.clientId }));

  return { dir, dbPath, pdfRoot, entries: plan.entries, mappingPath, expected: plan.expected };
}
