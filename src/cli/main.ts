#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { MappingError } from '../mapping/errors.js';
import { redact } from '../secrets.js';
import { demoCommand } from './commands/demo.js';
import { missingCommand } from './commands/missing.js';
import { runCommand } from './commands/run.js';
import { sandboxCommand } from './commands/sandbox.js';
import { EXIT } from './exit-codes.js';
import { exitCodeForError } from './errors.js';

const EPILOG = `Exit codes: ${EXIT.OK} completed · ${EXIT.INTERNAL} internal error · ${EXIT.USAGE} command line or mapping file wrong · ${EXIT.ABORTED} run aborted (Clearnox, database or documents unreachable, credentials refused, another run of the same mapping file in progress) · ${EXIT.UNDELIVERED} completed, some documents not delivered (see the report).`;

async function main(): Promise<void> {
  try {
    await yargs(hideBin(process.argv))
      .scriptName('clearnox-sync')
      .usage('$0 <command> [options]\n\nAttaches invoice PDFs from the accounting database and file servers to Clearnox entries.')
      .command(runCommand)
      .command(missingCommand)
      .command(sandboxCommand)
      .command(demoCommand)
      .demandCommand(1, 'Give a command: run, missing, sandbox or demo.')
      .strict()
      .epilog(EPILOG)
      .help()
      .alias('h', 'help')
      .version()
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      // yargs would exit with 1 on a usage error; Task Scheduler needs the documented code.
      .fail((msg, err) => {
        if (err) throw err;
        process.stderr.write(`${msg}\nRun "clearnox-sync --help" for the commands and options.\n`);
        process.exit(EXIT.USAGE);
      })
      .parseAsync();
  } catch (e) {
    const message = redact(e instanceof Error ? e.message : String(e));
    process.stderr.write(`${e instanceof MappingError ? '' : 'Error: '}${message}\n`);
    process.exitCode = exitCodeForError(e);
  }
}

await main();
