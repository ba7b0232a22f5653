import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { createLogger } from '../../log.js';
import { redact } from '../../secrets.js';
import { InterruptedError } from '../../pipeline/classify.js';
import { runSync } from '../../pipeline/run.js';
import { summaryText, undelivered, writeReport, type RunReport } from '../../pipeline/report.js';
import { clientFor, adapters, expandPath, loadConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';

interface RunArgs {
  config: string;
  dryRun?: boolean;
  report?: string;
  logFile?: string;
  logLevel: string;
}

export function exitCodeFor(report: RunReport): number {
  if (report.abort) {
    if (report.abort.kind === 'config') return EXIT.USAGE;
    return report.abort.kind === 'internal' ? EXIT.INTERNAL : EXIT.ABORTED;
  }
  return undelivered(report.counts) > 0 ? EXIT.UNDELIVERED : EXIT.OK;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Attach the PDFs of the entries that have no document in Clearnox',
  builder: (y: Argv) =>
    y
      .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'Mapping file (YAML)' })
      .option('dry-run', { type: 'boolean', describe: 'Find and check the documents, send nothing' })
      .option('report', { type: 'string', describe: 'Write the JSON report here ({timestamp} gives one file per run)' })
      .option('log-file', { type: 'string', describe: 'Append a JSON log here ({timestamp} allowed)' })
      .option('log-level', { type: 'string', default: 'info', choices: ['debug', 'info', 'warn', 'error'], describe: 'Detail on the console' })
      .example('$0 run --config C:\\clearnox\\acme.yaml --report C:\\clearnox\\reports\\run-{timestamp}.json', 'nightly run')
      .example('$0 run --config acme.yaml --dry-run', 'see what would be sent') as unknown as Argv<RunArgs>,
  handler: async (args: ArgumentsCamelCase<RunArgs>) => {
    const log = createLogger({ level: args.logLevel, ...(args.logFile ? { file: expandPath(args.logFile) } : {}) });
    const loaded = await loadConfig(args.config);
    const stop = new AbortController();
    // First Ctrl+C (or a service manager's SIGTERM): finish the current step, write the report.
    // A second one: leave at once; idempotency keys make the next run safe either way.
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) process.exit(EXIT.ABORTED);
      log.warn({ signal }, `${signal} received: stopping after the current step and writing the report (again to stop at once)`);
      stop.abort(new InterruptedError(signal));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let report: RunReport;
    try {
      report = await runSync({
        loaded,
        adapters,
        api: clientFor(loaded, log),
        log,
        signal: stop.signal,
        ...(args.dryRun !== undefined ? { dryRun: args.dryRun } : {}),
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    process.stdout.write(redact(summaryText(report)) + '\n');
    if (args.report) {
      const file = expandPath(args.report);
      await writeReport(file, report);
      process.stdout.write(`Report: ${file}\n`);
    }
    process.exitCode = exitCodeFor(report);
  },
};
