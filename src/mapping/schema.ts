// The mapping file's schema. Source and document-store sections are unions built from the
// adapters' own option schemas, so a new adapter brings its keys to validation and to the
// published JSON Schema without touching this file.
import { z } from 'zod';
import type { DatabaseAdapter, DocumentStoreAdapter, SourceQuery } from '../../adapters/types.js';
import { LIMITS } from '../clearnox/contract.js';
import { DEFAULT_REPEATS } from '../clearnox/retry.js';
import { baseUrlProblem } from './base-url.js';
import { ReportSectionSchema, type ReportSection } from './sections/report.js';
import { LogsSectionSchema, type LogsSection } from './sections/logs.js';
import { AlertsSectionSchema, type AlertsSection } from './sections/alerts.js';
import { NetworkKeys } from './sections/network.js';
import { secret } from './secret-keys.js';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date written YYYY-MM-DD');

/** documents.index: src/pipeline/folder-index.ts scans the store with it. */
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
        'Regular expression matched against each file name (without its folder); the group named "number", or else the first group, or else the whole match, is the document number, e.g. `^(?<number>FA\\d+).*\\.pdf$`. Files whose name does not match are skipped.',
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

export const ClearnoxSectionSchema = z
  .object({
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'an http(s) URL such as https://api.clearnox.com' })
      .superRefine((value, ctx) => {
        const problem = baseUrlProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe(
        'Address of the Clearnox API, e.g. https://api.clearnox.com, without /api/v1 (clearnox-sync adds it to every call). It must be https://: plain http:// would send the client secret readable on the network, so it is refused except to this machine (127.0.0.1, ::1, localhost), as for the sandbox\'s http://127.0.0.1:8080.',
      ),
    clientId: z.string().min(1).describe('Client id of the Clearnox connector (Configure > Connector Configuration).'),
    clientSecret: secret(z.string().min(1))
      .describe('Client secret: a reference such as `${env:CLEARNOX_CLIENT_SECRET}` or `${file:C:\\secrets\\clearnox.txt}`, never the secret itself (a literal secret is refused).'),
    companyCode: z.string().min(1).optional().describe('Only the entries of this company (ledger).'),
    dateFrom: isoDate.optional().describe('Only entries dated on or after this day (YYYY-MM-DD).'),
    dateTo: isoDate.optional().describe('Only entries dated on or before this day (YYYY-MM-DD).'),
    pageSize: z.number().int().min(1).max(LIMITS.pageSizeMax).default(LIMITS.pageSizeMax)
      .describe('Entries asked for per page; the largest the API allows by default.'),
    timeoutSeconds: z.number().positive().default(120).describe('Time allowed for one HTTP call (an archive upload included).'),
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(DEFAULT_REPEATS)
      .describe(
        'Repeats of a call that failed for a transient reason (429, 500-504, a refused, cut or timed-out connection), waiting 1, 2, 4, 8, 16 s... or as Clearnox asks in Retry-After, before the run stops; 0 stops at the first failure. An upload is repeated with the same Idempotency-Key: it cannot import twice.',
      ),
    ...NetworkKeys,
  })
  .strict();

export const TableQuerySchema = z
  .object({
    table: z.string().min(1).describe('Table or view holding one row per document, e.g. llx_facture or dbo.F_DOCENTETE.'),
    columns: z
      .record(z.string().min(1), z.string().min(1))
      .describe('Columns to read: name in the result (as documentNumberColumn, pathColumn and pathTemplate use it) -> column of the table.'),
    where: z.string().min(1).optional().describe('Extra condition in the database\'s SQL, e.g. "entity = 1".'),
  })
  .strict();

/** Keys of `source` that every database adapter shares; the adapter adds its connection keys. */
export const SourceCommonShape = {
  query: z
    .union([
      z
        .string()
        .min(1)
        .describe(
          'One SELECT (or WITH) returning one row per document. Bind the batch with :documentNumbers (numbers as Clearnox spells them) or :normalizedNumbers (after `match`), e.g. WHERE piece IN (:documentNumbers).',
        ),
      TableQuerySchema,
    ])
    .describe(
      'The SQL of the look-up: one SELECT (or WITH ... SELECT) returning one row per document found; anything else (several statements, UPDATE, DELETE, ...) is refused. Or, for a plain table or view: table, columns and an optional where; the numbers are compared with the column named by documentNumberColumn. Not given with type none.',
    ),
  documentNumberColumn: z.string().min(1).default('documentNumber').describe('Column of the query holding the document number.'),
  pathColumn: z
    .string()
    .min(1)
    .optional()
    .describe('Column holding the PDF path, relative to the document store root. Give one of pathColumn, pathTemplate or documents.index.'),
  pathTemplate: z
    .string()
    .min(1)
    .optional()
    .describe(
      'PDF path built from the row\'s columns and the entry\'s own fields ({{companyCode}}, {{entryDate}}, {{entryYear}}, {{entryMonth}}, {{journal}}, {{accountNumber}}, {{entryType}}), e.g. "{{year}}/{{documentNumber}}.pdf". Give one of pathColumn, pathTemplate or documents.index.',
    ),
  batchSize: z.number().int().min(1).max(10_000).optional().describe('Document numbers per query (default 2,000); lowered to stay under the database\'s parameter limit (SQL Server: 2,100 per statement).'),
  withheldColumn: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Column holding why the ERP says this document must not be sent, e.g. "cancelled in the ERP" or "draft": a row whose value is not empty is reported as withheld with that text, not sent, and needs no look (it does not make exit code 4); leave it NULL or empty on the rows to send. A number with a row to send besides withheld ones is sent from that row.',
    ),
};

export const MatchSectionSchema = z
  .object({
    trim: z.boolean().default(true).describe('Remove spaces at both ends: " FA-12 " = "FA-12".'),
    ignoreCase: z.boolean().default(true).describe('Compare without case: "fa-12" = "FA-12".'),
    removeInnerSpaces: z.boolean().default(true).describe('Remove every space inside: "FA 12" = "FA12".'),
    ignoreLeadingZeros: z.boolean().default(false).describe('Drop leading zeros of every digit run: "FA-00012" = "FA-12".'),
    pattern: z
      .string()
      .optional()
      .describe(
        'Regular expression; when it matches, only its first capture group (or the group named "number") is compared, e.g. `^(?:FAC|FA)-?(?<number>\\d+)$`; a number it does not match is compared whole.',
      ),
  })
  .strict();

export const UploadSectionSchema = z
  .object({
    maxArchiveMiB: z.number().positive().max(LIMITS.archiveBytes / (1024 * 1024)).default(50).describe('Size of one archive sent, in MiB (API limit: 100).'),
    maxDocumentsPerArchive: z.number().int().min(1).max(LIMITS.archiveDocuments).default(500).describe('Documents in one archive (API limit: 1000).'),
    maxDocumentMiB: z.number().positive().max(LIMITS.documentBytes / (1024 * 1024)).default(20).describe('Largest PDF sent, in MiB (API limit: 20).'),
    dryRun: z.boolean().default(false).describe('Find and check the documents, send nothing (the same as --dry-run).'),
    workDir: z.string().min(1).optional().describe('Folder for the archives being sent, created when missing (default: upload.stateDir). Each mapping file works in a folder of its own there; a run killed meanwhile leaves its archives to the next run of the same mapping file, which removes them. At most two archives are there at a time.'),
    stateDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Folder where a run leaves what the next run of this mapping file needs: a lock against two runs at once, what it sent without seeing the end of it, to be finished rather than sent twice, the problems already reported (so that the next run tells the new ones apart), and the archives being sent unless upload.workDir is set (default: clearnox-sync-state beside the mapping file). Its files are named after the mapping file: two mapping files of the same name need a stateDir each (the second is refused). The task\'s account must be able to write to it; the files it writes there are readable by that account only.',
      ),
    pollTimeoutSeconds: z.number().positive().default(600).describe('How long to wait for Clearnox to process one archive.'),
  })
  .strict();

export interface AdapterSets {
  databases: DatabaseAdapter<any>[];
  stores: DocumentStoreAdapter<any>[];
}

function unionOnType(members: z.ZodObject[], what: string): z.ZodType {
  if (members.length === 0) throw new Error(`no ${what} adapter is registered`);
  if (members.length === 1) return members[0]!;
  return z.discriminatedUnion('type', members as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
}

function asObject(schema: z.ZodType, what: string): z.ZodObject {
  if (!(schema instanceof z.ZodObject)) throw new Error(`${what}: optionsSchema must be a z.object`);
  return schema;
}

/** The same keys, all optional and without defaults: a company's settings only replace what they name. */
function overrideOf(shape: Record<string, z.ZodType>): z.ZodObject {
  return z
    .object(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, (v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : v).optional()])))
    .strict();
}

export function buildMappingSchema(adapters: AdapterSets) {
  const sources = adapters.databases.map((a) => {
    const options = asObject(a.optionsSchema, a.type);
    const company = overrideOf({ ...options.shape, query: SourceCommonShape.query, batchSize: SourceCommonShape.batchSize });
    return options
      .extend({
        type: z.literal(a.type).describe(a.description),
        // An adapter may redefine a shared key (a source without a database has no query).
        ...Object.fromEntries(Object.entries(SourceCommonShape).filter(([k]) => !(k in options.shape))),
        companies: z
          .record(z.string().min(1), company)
          .optional()
          .describe(
            'One ledger per database or schema: Clearnox companyCode -> the keys that differ for that company (database, schema, query, ...). Entries are looked up only in their own company\'s source.',
          ),
      })
      .strict()
      // Neither is right only with documents.index: checked on the whole file below.
      .refine((s) => !(s.pathColumn && s.pathTemplate), {
        message: 'give exactly one of pathColumn or pathTemplate',
      })
      .refine((s) => typeof s.query !== 'object' || String(s.documentNumberColumn) in (s.query as TableQuerySection).columns, {
        message: 'query.columns must name the document number column (documentNumberColumn, "documentNumber" unless set)',
        path: ['query', 'columns'],
      })
      .refine((s) => typeof s.query !== 'object' || s.withheldColumn === undefined || String(s.withheldColumn) in (s.query as TableQuerySection).columns, {
        message: 'query.columns must name the column given as withheldColumn',
        path: ['query', 'columns'],
      });
  });
  const stores = adapters.stores.map((a) =>
    asObject(a.optionsSchema, a.type).extend({ type: z.literal(a.type).describe(a.description), index: FolderIndexSchema.optional() }).strict(),
  );
  return z
    .object({
      version: z.literal(1).default(1).describe('Version of the mapping-file format.'),
      clearnox: ClearnoxSectionSchema,
      source: unionOnType(sources as unknown as z.ZodObject[], 'database'),
      documents: unionOnType(stores, 'document store'),
      match: MatchSectionSchema.default(MatchSectionSchema.parse({})),
      upload: UploadSectionSchema.default(UploadSectionSchema.parse({})),
      logs: LogsSectionSchema.default(LogsSectionSchema.parse({})),
      report: ReportSectionSchema.default(ReportSectionSchema.parse({})),
      alerts: AlertsSectionSchema.optional(),
    })
    .strict()
    .superRefine((m, ctx) => {
      const source = m.source as { pathColumn?: string; pathTemplate?: string };
      const fromSource = Boolean(source.pathColumn || source.pathTemplate);
      const byName = Boolean((m.documents as { index?: unknown }).index);
      if (!fromSource && !byName) ctx.addIssue({ code: 'custom', path: ['source'], message: 'give exactly one of pathColumn or pathTemplate' });
      if (fromSource && byName) {
        ctx.addIssue({
          code: 'custom',
          path: ['documents', 'index'],
          message: 'finds the PDFs by file name, so source.pathColumn and source.pathTemplate must not be given; keep one way',
        });
      }
    });
}

export type ClearnoxSection = z.output<typeof ClearnoxSectionSchema>;
export type MatchSection = z.output<typeof MatchSectionSchema>;
export type UploadSection = z.output<typeof UploadSectionSchema>;

export type TableQuerySection = z.output<typeof TableQuerySchema>;

export interface SourceSection {
  type: string;
  /** Absent only for a source without a database. */
  query?: string | TableQuerySection;
  /** Per Clearnox companyCode, the keys that differ from this section. */
  companies?: Record<string, Record<string, unknown>>;
  documentNumberColumn: string;
  pathColumn?: string;
  pathTemplate?: string;
  batchSize?: number;
  /** Column whose non-empty text says why the ERP withholds the row's document (schema above). */
  withheldColumn?: string;
  [option: string]: unknown;
}

export interface DocumentsSection {
  type: string;
  index?: FolderIndexSection;
  [option: string]: unknown;
}

export interface Mapping {
  version: 1;
  clearnox: ClearnoxSection;
  source: SourceSection;
  documents: DocumentsSection;
  match: MatchSection;
  upload: UploadSection;
  logs: LogsSection;
  report: ReportSection;
  alerts?: AlertsSection;
}

/** A loaded mapping file, with where it came from. */
export interface LoadedMapping {
  file: string;
  baseDir: string;
  mapping: Mapping;
  /** Resolved secret values, so that logs and reports can mask them. */
  secrets: string[];
  /** Each section with its adapter and parsed options (bind.ts). */
  bound: BoundAdapters;
}

export interface BoundSource {
  adapter: DatabaseAdapter;
  /** The section as this source runs it: for a company, its own keys over the shared ones. */
  section: SourceSection;
  options: unknown;
  query: SourceQuery;
}

export interface BoundSources {
  /** The section's own source: every entry's, unless `companies` is given. */
  shared: BoundSource;
  /** source.companies: Clearnox companyCode -> that company's source; null without it. */
  companies: Map<string, BoundSource> | null;
}

export interface BoundStore {
  adapter: DocumentStoreAdapter;
  section: DocumentsSection;
  options: unknown;
}

export interface BoundAdapters {
  source: BoundSources;
  documents: BoundStore;
}

