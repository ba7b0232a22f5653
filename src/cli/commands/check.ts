import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { checkExitCode, formatLine, marksFor, summaryOf } from '../../check/lines.js';
import { runChecks } from '../../check/run-checks.js';
import { EXIT } from '../exit-codes.js';

interface CheckArgs {
  config: string;
  number?: string[];
  report?: string;
  logDir?: string;
  ascii?: boolean;
}

export const CHECK_EXIT_CODES =
  `Exit codes: ${EXIT.OK} every check passed (warnings allowed) · ${EXIT.USAGE} the mapping file or a folder must change · ` +
  `${EXIT.CREDENTIALS} a secret was refused or a server's identity is not confirmed (an SFTP host key to pin, a certificate) · ` +
  `${EXIT.ABORTED} Clearnox, the database or the store could not be reached · ${EXIT.UNDELIVERED} a document tried is missing or not a PDF. ` +
  'With several failures, the first of that list that applies (2, then 5, then 3, then 4).';

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: 'Test each part of a mapping file on its own (Clearnox, database, document store, folders), sending nothing',
  builder: (y: Argv) =>
    y
      .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'Mapping file (YAML)' })
      .option('number', {
        alias: 'n',
        type: 'string',
        array: true,
        describe: 'A document number to try the query on, instead of Clearnox\'s first missing ones (repeat for several)',
      })
      .option('report', { type: 'string', describe: 'The --report file the scheduled run is given: its folder is tried too' })
      .option('log-dir', { type: 'string', describe: 'The --log-dir the scheduled run is given: tried instead of logs.folder' })
      .option('ascii', { type: 'boolean', describe: 'Mark the lines [ok] [FAIL] [warn] instead of ✔ ✖ ⚠ (the default where the console cannot show them)' })
      .example('$0 check --config C:\\clearnox\\acme.yaml', 'try everything on the first numbers Clearnox lists')
      .example('$0 check --config C:\\clearnox\\acme.yaml --number FA-2024-00017', 'try the query and the file of one number')
      .epilog(CHECK_EXIT_CODES) as unknown as Argv<CheckArgs>,
  handler: async (args: ArgumentsCamelCase<CheckArgs>) => {
    const marks = marksFor({ platform: process.platform, isTTY: Boolean(process.stdout.isTTY), env: process.env, ...(args.ascii ? { ascii: true } : {}) });
    const lines = await runChecks({
      config: args.config,
      numbers: (args.number ?? []).map(String),
      ...(args.report ? { report: args.report } : {}),
      ...(args.logDir ? { logDir: args.logDir } : {}),
      emit: (line) => void process.stdout.write(`${formatLine(line, marks)}\n`),
    });
    const code = checkExitCode(lines);
    process.stdout.write(`${summaryOf(lines)} Nothing was sent.${code === EXIT.OK ? '' : ` Exit code ${code}.`}\n`);
    process.exitCode = code;
  },
};
