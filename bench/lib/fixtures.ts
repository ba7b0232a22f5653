// What the benchmarks feed a run: entries as Clearnox lists them, and a mapping file over a
// SQLite table `invoices (number, pdf)` whose store differs from one benchmark to the other.
import type { Entry } from '../../src/clearnox/contract.js';

export function benchEntry(i: number, documentNumber: string): Entry {
  return {
    id: `ent_${String(i).padStart(8, '0')}`, documentNumber, type: 'invoice', companyCode: 'BENCH',
    accountNumber: '411', accountName: 'Bench', entryDate: '2024-01-01', dueDate: null, amount: '1.00', currency: 'EUR', journal: 'VE', label: null,
  };
}

/** The client secret is read from BENCH_SECRET, as a real mapping file reads its own. */
export function benchMapping(baseUrl: string, documentsYaml: string): string {
  return (
    `clearnox:\n  baseUrl: ${baseUrl}\n  clientId: sandbox-client\n  clientSecret: \${env:BENCH_SECRET}\n` +
    `source:\n  type: sqlite\n  path: erp.sqlite\n  query: SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)\n  pathColumn: path\n` +
    `documents:\n${documentsYaml}`
  );
}
