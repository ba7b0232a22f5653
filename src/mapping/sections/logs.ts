// `logs:` where each run leaves the plain-text log a person opens when a scheduled run went wrong,
// and how many of them are kept: a nightly task would otherwise fill the disk over the years.
import { z } from 'zod';

export const LogsSectionSchema = z
  .object({
    folder: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Folder of the plain-text logs, one file per run named run-YYYYMMDD-HHMMSS.log, created when missing (default: clearnox-sync-logs beside the mapping file; `run --log-dir` overrides it). Only files named like that are ever removed from it.',
      ),
    keepDays: z.number().int().min(1).default(30).describe('Logs older than this many days are removed at the start of each run.'),
    keepRuns: z.number().int().min(1).default(100).describe('At most this many logs are kept (the newest, this run\'s included); older ones are removed at the start of each run.'),
  })
  .strict()
  .describe('The plain-text log of each run and how long it is kept.');

export type LogsSection = z.output<typeof LogsSectionSchema>;
