// Shapes and limits of the Clearnox documents API (docs/clearnox-api/).
// Shared by the client and the sandbox so that both read the contract the same way.
import { z } from 'zod';

export const ENTRY_TYPES = ['invoice', 'credit_note', 'installment', 'other'] as const;

export const EntrySchema = z.object({
  id: z.string(),
  documentNumber: z.string(),
  type: z.enum(ENTRY_TYPES),
  companyCode: z.string().nullable().optional().transform((v) => v ?? null),
  accountNumber: z.string(),
  accountName: z.string().nullable().optional().transform((v) => v ?? null),
  entryDate: z.string(),
  dueDate: z.string().nullable().optional().transform((v) => v ?? null),
  amount: z.string().regex(/^-?[0-9]+(\.[0-9]+)?$/),
  currency: z.string().length(3),
  journal: z.string().nullable().optional().transform((v) => v ?? null),
  label: z.string().nullable().optional().transform((v) => v ?? null),
});
export type Entry = z.output<typeof EntrySchema>;

export const EntryPageSchema = z.object({
  data: z.array(EntrySchema),
  page: z.number().int().min(1),
  pageSize: z.number().int().min(1).max(1000),
  totalItems: z.number().int().min(0),
  totalPages: z.number().int().min(0),
});
export type EntryPage = z.output<typeof EntryPageSchema>;

export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().int().min(1),
});

/** Per-document rejection codes an import may report. */
export const REJECTION_CODES = [
  'ENTRY_NOT_FOUND',
  'ENTRY_ALREADY_HAS_DOCUMENT',
  'ENTRY_LISTED_TWICE',
  'INVALID_PDF',
  'DOCUMENT_TOO_LARGE',
  'FILE_MISSING_IN_ARCHIVE',
  'INVALID_FILE_NAME',
  'DUPLICATE_FILE_NAME',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Codes of an import that failed as a whole (`status: failed`). */
export const IMPORT_FAILURE_CODES = ['INVALID_ARCHIVE', 'INVALID_METADATA', 'INTERNAL'] as const;

/** Codes of the `{"error": {"code", "message"}}` body of a failed HTTP call. */
export const API_ERROR_CODES = [
  'INVALID_ARCHIVE',
  'INVALID_METADATA',
  'INVALID_PARAMETER',
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'NOT_FOUND',
  'IDEMPOTENCY_KEY_REUSED',
  'ARCHIVE_TOO_LARGE',
  'RATE_LIMITED',
  'INTERNAL',
  'UNAVAILABLE',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export const ErrorDetailSchema = z.object({ code: z.string(), message: z.string() });
export const ApiErrorBodySchema = z.object({ error: ErrorDetailSchema });

export const ImportAcceptedSchema = z.object({
  importId: z.string(),
  status: z.enum(['processing', 'completed', 'failed']),
});

export const ImportDocumentSchema = z.object({
  fileName: z.string(),
  status: z.enum(['attached', 'rejected']),
  entryIds: z.array(z.string()),
  error: ErrorDetailSchema.optional(),
});
export type ImportDocument = z.output<typeof ImportDocumentSchema>;

export const ImportSchema = z.object({
  importId: z.string(),
  status: z.enum(['processing', 'completed', 'failed']),
  receivedAt: z.string().optional(),
  documents: z.array(ImportDocumentSchema).optional(),
  ignoredFiles: z.array(z.string()).optional(),
  error: ErrorDetailSchema.optional(),
});
export type Import = z.output<typeof ImportSchema>;

export const MetadataSchema = z
  .object({
    version: z.literal(1),
    documents: z
      .array(
        z
          .object({
            fileName: z.string().min(1).max(180),
            documentNumber: z.string().optional(),
            entryIds: z.array(z.string()).min(1),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();
export type Metadata = z.output<typeof MetadataSchema>;

const MiB = 1024 * 1024;
export const LIMITS = {
  pageSizeMax: 1000,
  archiveBytes: 100 * MiB,
  archiveDocuments: 1000,
  documentBytes: 20 * MiB,
  fileNameLength: 180,
  idempotencyKeyLength: 255,
  requestsPerSecond: 10,
  importsAtOnce: 2,
} as const;

export const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');

/**
 * The contract's file-name rule for a PDF inside an archive: no folders, at most 180
 * characters, no `/`, `\`, `..`, control characters or leading dot.
 * Returns the reason it is refused, or null when it is acceptable.
 */
export function fileNameProblem(name: string): string | null {
  if (name.length === 0) return 'empty file name';
  if (name.length > LIMITS.fileNameLength) return `longer than ${LIMITS.fileNameLength} characters`;
  if (name.includes('/') || name.includes('\\')) return 'contains a slash or backslash';
  if (name.includes('..')) return 'contains ".."';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  if (name.startsWith('.')) return 'starts with a dot';
  return null;
}
