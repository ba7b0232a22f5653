import path from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { createLogger, type Logger } from '../../log.js';
import { redact } from '../../secrets.js';
import { InterruptedError, messageOf } from '../../pipeline/classify.js';
import { runSync } from '../../pipeline/run.js';
import { startPackingWorker, type PackingWorker } from '../../pipeline/worker-sink.js';
import { summaryText, type RunReport } from '../../pipeline/report.js';
import { writeReports } from '../../pipeline/report-files.js';
import { clientFor, expandPath, loadConfig } from '../context.js';
import { UsageError } from '../errors.js';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from '../exit-codes.js';
import { prepareOutputFolder } from '../output-paths.js';
import { progressLineFor } from '../progress.js';
import { openRunLog } from '../../logs/run-log.js';
import { pruneRunLogs } from '../../logs/retention.js';
import { sendAlerts, sendFailureAlerts } from '../../alerts/index.js';


interface RunArgs {
  config: string;
  dryRun?: boolean;
  report?: string;
  logFile?: string;
  logLevel: string;
  logDir?: string;
  verbose?: boolean;
  quiet?: boolean;
  stopTimeout: number;
}

/** What reached Clearnox, for a message that must say it when the report could not. */
export function sentText(report: RunReport): string {
  if (report.dryRun) return 'It was a dry run: nothing was sent.';
  // Every archive this run sent, whatever became of its import (a failed one was sent all the same).
  const sent = report.archives.filter((a) => a.status !== 'not_sent').length;
  const { entriesAttached } = report.counts;
  if (sent === 0 && entriesAttached === 0) return 'Nothing was sent to Clearnox.';
  return `${entriesAttached} ${entriesAttached === 1 ? 'entry was' : 'entries were'} attached, and ${sent} archive${sent === 1 ? ' was' : 's were'} sent to Clearnox (the summary above and the log tell the rest); the next run does not send them again.`;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Attach the PDFs of the entries that have no document in Clearnox',
  builder: (y: Argv) =>
    y
      .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'Mapping file (YAML)' })
      .option('dry-run', { type: 'boolean', describe: 'Find and check the documents, send nothing' })
      .option('report', { type: 'string', describe: 'Write the JSON report here ({timestamp} gives one file per run), and beside it the same rows as CSV (for Excel) and a one-page HTML summary (.csv, .html); its folder is created, or the run refused, before anything is sent' })
      .option('log-file', { type: 'string', describe: 'Append a JSON log here ({timestamp} allowed); its folder is created, or the run refused, before anything is sent' })
      .option('log-level', { type: 'string', default: 'info', choices: ['debug', 'info', 'warn', 'error'], describe: 'Detail on the console (-v is debug, -q is warn); the log files always have everything' })
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'Show every step on the console, details included (--log-level debug)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Show only warnings, errors and the first line of the summary, and no progress line' })
      .option('log-dir', {
        type: 'string',
        describe: 'Folder of the plain-text logs, one per run (run-YYYYMMDD-HHMMSS.log), instead of logs.folder of the mapping file (default: clearnox-sync-logs beside it); old ones are removed as logs.keepDays and logs.keepRuns say',
      })
      .check((a) => !(a['verbose'] && a['quiet']) || '-v (--verbose) and -q (--quiet) ask for opposite things: give one of them.')
      .option('stop-timeout', {
        type: 'number',
        default: 30,
        describe: 'Seconds the current step may take after Ctrl+C or SIGTERM before the run ends without it',
        coerce: (s: number) => {
          if (!(s > 0)) throw new UsageError(`--stop-timeout: give a number of seconds above 0, not ${String(s)}.`);
          return s;
        },
      })
      .example('$0 run --config C:\\clearnox\\acme.yaml --report C:\\clearnox\\reports\\run-{timestamp}.json', 'nightly run')
      .example('$0 run --config acme.yaml --dry-run', 'see what would be sent')
      .epilog(EXIT_CODES_HELP) as unknown as Argv<RunArgs>,
  handler: async (args: ArgumentsCamelCase<RunArgs>) => {
    const startedAt = new Date();
    const reportFile = args.report ? expandPath(args.report, startedAt) : undefined;
    const logFile = args.logFile ? expandPath(args.logFile, startedAt) : undefined;
    // Found now rather than after the documents were sent, when it could only be reported.
    if (reportFile) await prepareOutputFolder('--report', reportFile);
    if (logFile) await prepareOutputFolder('--log-file', logFile);
    // The mapping file says where the logs go: read first; one that cannot be read ends the run
    // here, with nothing done.
    const loaded = await loadConfig(args.config);
    const textLog = await openRunLog(loaded, { ...(args.logDir ? { logDir: args.logDir } : {}), stamp: expandPath('{timestamp}', startedAt), startedAt });
    const progress = progressLineFor(process.stderr, { quiet: Boolean(args.quiet) });
    let log: Logger;
    try {
      log = createLogger({
        level: args.verbose ? 'debug' : args.quiet ? 'warn' : args.logLevel,
        ...(logFile ? { file: logFile } : {}),
        text: textLog,
        ...(progress ? { consoleWrite: (text: string) => progress.print(text) } : {}),
      });
    } catch (e) {
      textLog.close();
      // Only the log file can fail here (a link at its name, a file this account may not write).
      throw new UsageError(`--log-file: ${messageOf(e)}`);
    }
    await pruneRunLogs(path.dirname(textLog.file), loaded.mapping.logs, { current: textLog.file, log });
    const stop = new AbortController();
    let deadline: NodeJS.Timeout | undefined;
    // First Ctrl+C (or a service manager's SIGTERM): finish the current step, write the report.
    // A step that does not end (a read from a server that stopped answering) gets --stop-timeout,
    // then the run ends without it: a stop request always stops. A second one: leave at once.
    // Either way the state folder has what was sent, and the next run sends nothing twice.
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) {
        progress?.stop();
        process.exit(EXIT.ABORTED);
      }
      log.warn({ signal }, `${signal} received: stopping after the current step and writing the report (again to stop at once)`);
      stop.abort(new InterruptedError(signal));
      deadline = setTimeout(() => {
        log.error(
          { signal, stopTimeoutSeconds: args.stopTimeout },
          `The current step did not end within ${args.stopTimeout} s of ${signal} (--stop-timeout): stopping without it and without the report. What was sent is noted for the next run, which sends none of it twice.`,
        );
        process.exit(EXIT.ABORTED);
      }, args.stopTimeout * 1000);
      deadline.unref();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let report: RunReport;
    let packer: PackingWorker | undefined;
    try {
      packer = startPackingWorker();
      report = await runSync({
        loaded,
        api: clientFor(loaded, log),
        log,
        signal: stop.signal,
        sink: packer.sink,
        ...(args.dryRun !== undefined ? { dryRun: args.dryRun } : {}),
        ...(progress ? { progress: progress.listener } : {}),
        // Sent while the run holds its lock, so that problems nobody could be told of stay new.
        // The report is named as it is about to be written.
        announce: (finished) => sendAlerts(loaded, finished, { ...(reportFile ? { reportFile } : {}), logFile: textLog.file, log }),
      });
    } catch (e) {
      // No report will tell it: the alert says what stopped the run, then the error gets its exit code.
      await sendFailureAlerts(loaded, e, { logFile: textLog.file, log, ...(args.dryRun !== undefined ? { dryRun: args.dryRun } : {}) });
      throw e;
    } finally {
      progress?.stop();
      await packer?.close();
      clearTimeout(deadline);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const summary = redact(summaryText(report));
    // -q: the line a glance at the console needs (and what stopped the run); the rest is in the log.
    process.stdout.write(`${args.quiet ? summary.split('\n').slice(0, report.abort ? 2 : 1).join('\n') : summary}\n`);
    if (!args.quiet) process.stdout.write(`Log: ${textLog.file}\n`);
    const code = exitCodeFor(report, loaded.mapping.report.problems);
    if (reportFile) {
      try {
        const files = await writeReports(reportFile, report, loaded.mapping.report);
        process.stdout.write(`Report: ${reportFile}\n  for Excel: ${files.csv}\n  to read: ${files.html}\n`);
      } catch (e) {
        // What the run did to Clearnox stands whatever happens to the report: so does its code.
        log.error(
          { report: reportFile, err: messageOf(e) },
          `--report: the report could not be written to ${reportFile} (${messageOf(e)}). ${sentText(report)} The exit code (${code}) is the run's.`,
        );
      }
    }
    textLog.summary(summary);
    textLog.close();
    process.exitCode = code;
  },
};
