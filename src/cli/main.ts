#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { versionText } from '../install.js';
import { MappingError } from '../mapping/errors.js';
import { redact } from '../secrets.js';
import { checkCommand } from './commands/check.js';
import { demoCommand } from './commands/demo.js';
import { initCommand } from './commands/init.js';
import { missingCommand } from './commands/missing.js';
import { runCommand } from './commands/run.js';
import { sandboxCommand } from './commands/sandbox.js';
import { scheduleCommand } from './commands/schedule.js';
import { secretCommand } from './commands/secret.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { exitCodeForError, kindOfError } from './errors.js';
import { repeatedOptions } from './single-options.js';

// An error no code path caught is a bug: told as one (exit 1), and masked like every other
// message, rather than printed by Node as it is.
function fatal(e: unknown): void {
  process.stderr.write(`Internal error (a bug; please send this and the log file): ${redact(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
  process.exit(EXIT.INTERNAL);
}
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

async function main(): Promise<void> {
  try {
    await yargs(hideBin(process.argv))
      .scriptName('clearnox-sync')
      .usage('$0 <command> [options]\n\nAttaches invoice PDFs from the accounting database and file servers to Clearnox entries.')
      // In the order a customer is set up: write the mapping file, check it, run it, schedule it.
      .command(initCommand)
      .command(checkCommand)
      .command(runCommand)
      .command(scheduleCommand)
      .command(secretCommand)
      .command(missingCommand)
      .command(sandboxCommand)
      .command(demoCommand)
      .demandCommand(1, 'Give a command: init, check, run, schedule, secret, missing, sandbox or demo.')
      .strict()
      // yargs gathers a repeated option into a list, which no command expects: which one was meant?
      .check((argv) => {
        const repeated = repeatedOptions(argv);
        if (repeated.length === 0) return true;
        return repeated.map((r) => `--${r.name} is given ${r.values.length} times (${r.values.join(', ')}); give it once.`).join('\n');
      }, true)
      .epilog(EXIT_CODES_HELP)
      .help()
      .alias('h', 'help')
      .version(versionText())
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      // yargs would exit with 1 on a usage error; Task Scheduler needs the documented code.
      .fail((msg, err) => {
        // yargs' own errors (a failed check, which it may pass as a bare string) are usage
        // errors too; any other is the command's.
        if (err instanceof Error && err.name !== 'YError') throw err;
        process.stderr.write(`${msg ?? String(err)}\nRun "clearnox-sync --help" for the commands and options.\n`);
        process.exit(EXIT.USAGE);
      })
      .parseAsync();
  } catch (e) {
    const message = redact(e instanceof Error ? e.message : String(e));
    if (kindOfError(e) === 'internal') {
      // A bug: the stack is what a report of it needs.
      const stack = e instanceof Error && e.stack ? redact(e.stack) : message;
      process.stderr.write(`Internal error (a bug; please report it with these lines): ${stack}\n`);
    } else {
      process.stderr.write(`${e instanceof MappingError ? '' : 'Error: '}${message}\n`);
    }
    process.exitCode = exitCodeForError(e);
  }
}

// Not a top-level await: the executable's bundle is CommonJS, which has none.
void main();
