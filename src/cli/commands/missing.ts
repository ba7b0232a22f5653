import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { Entry } from '../../clearnox/contract.js';
import { createLogger } from '../../log.js';
import { redactValue } from '../../secrets.js';
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
    // What Clearnox returns is shown as it is, but a secret of the mapping file never is.
    const shown = redactValue(entries);
    if (args.json) process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
    else process.stdout.write(`${entriesTable(shown)}\n${entries.length} entries without a document.\n`);
  },
};
