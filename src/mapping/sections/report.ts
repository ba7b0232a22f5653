// The `report:` section: how the CSV is written for the spreadsheet that opens it, and which
// problems a run raises (exit code 4, an alert) — a file missing for a month is not news.
import { z } from 'zod';

export const PROBLEM_POLICIES = ['new', 'all'] as const;
export type ProblemPolicy = (typeof PROBLEM_POLICIES)[number];

export const ReportSectionSchema = z
  .object({
    csvSeparator: z
      .enum([';', ','])
      .default(';')
      .describe(
        'Separator of the CSV report: ";" is what Excel expects where the decimal comma is used (France, most of Europe); "," for an English-language Excel.',
      ),
    problems: z
      .enum(PROBLEM_POLICIES)
      .default('new')
      .describe(
        'Which problems end a completed run with exit code 4 and send an alert: "new" (those no earlier run reported; a file missing for a month is reported once, then listed as known in every report) or "all" (every document not delivered, every night).',
      ),
  })
  .strict();

export type ReportSection = z.output<typeof ReportSectionSchema>;
