// For customers whose PDFs are named after the entry alone (an export folder by number, year or
// company): no database is asked, every number "exists", and source.pathTemplate builds the path
// from the entry's fields; a missing file is then reported as such by the document store.
import { z } from 'zod';
import type { DatabaseAdapter } from '../types.js';

const NoneOptions = z
  .object({
    query: z.never().optional().describe('Not used: there is no database to query.'),
  })
  .strict();

export const noneAdapter: DatabaseAdapter<z.output<typeof NoneOptions>> = {
  type: 'none',
  description: 'No database: the PDF path is built from the entry by source.pathTemplate, e.g. "{{companyCode}}/{{entryYear}}/{{documentNumber}}.pdf".',
  optionsSchema: NoneOptions,
  async open() {
    return {
      maxBatchSize: 10_000,
      // One row per spelling: the path template sees the number as Clearnox writes it.
      lookup: async (batch) => batch.documentNumbers.map((documentNumber) => ({ documentNumber })),
      close: async () => undefined,
    };
  },
};
