import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { Entry } from '../../clearnox/contract.js';
import { createLogger } from '../../log.js';
import { clientFor, loadConfig } from '../context.js';

interface MissingArgs {
  config: string;
  json?: boolean;
}

export function entriesTable(entries: Entry[]): string {
  const header = ['id', 'documentNumber', 'type', 'company', 'account', 'date', 'amount'];
  const rows = entries.map((e) => [e.id, e.documentNumber, e.type, e.companyCode ?? '', e.accountNumber, e.entryDate, `${e.amount} ${e.currency}`]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const missingCommand: CommandModule<object, MissingArgs> = {
  command: 'missing',
  describe: 'List the entries that have no document in Clearnox',
  builder: (y: Argv) =>
    y
      .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'Mapping file (YAML)' })
      .option('json', { type: 'boolean', describe: 'Print JSON instead of a table' }) as unknown as Argv<MissingArgs>,
  handler: async (args: ArgumentsCamelCase<MissingArgs>) => {
    const loaded = await loadConfig(args.config);
    const log = createLogger({ console: !args.json, level: 'warn' });
    const { clearnox } = loaded.mapping;
    const entries = await clientFor(loaded, log).listMissingEntries(
      { companyCode: clearnox.companyCode, dateFrom: clearnox.dateFrom, dateTo: clearnox.dateTo },
      { pageSize: clearnox.pageSize },
    );
    if (args.json) process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
    else process.stdout.write(`${entriesTable(entries)}\n${entries.length} entries without a document.\n`);
  },
};
