// What `schedule` writes and what it tells the person installing it, for each platform.
import path from 'node:path';
import { UsageError } from '../cli/errors.js';
import { OPERATIONAL_LOG, taskPath } from './event-query.js';
import type { ScheduledJob } from './job.js';
import { cmdQuoted, shArg } from './quoting.js';
import { crontabLine, serviceUnit, timerUnit, unitName } from './systemd.js';
import { taskFileBytes, taskXml } from './task-xml.js';
import { hhmm, systemdSpan, type TimeOfDay } from './times.js';

export interface ScheduleFile {
  path: string;
  bytes: Buffer;
}

export interface SchedulePlan {
  files: ScheduleFile[];
  /** What to print: what was written, the commands that install it, and why. */
  text: string;
}

export interface PlanOptions {
  job: ScheduledJob;
  name: string;
  afterTask?: string;
  at: TimeOfDay;
  user: string;
  timeLimitMinutes: number;
  /** Absolute; default beside the mapping file. */
  out?: string;
  today: Date;
}

export const DEFAULT_TASK_NAME = 'Clearnox PDFs';
export const DEFAULT_CONNECTOR_TASK = 'Clearnox Connector';

function description(o: PlanOptions): string {
  return `Attaches the invoice PDFs of ${o.job.configFile.split(/[\\/]/).pop()} to the Clearnox entries without a document (clearnox-sync).`;
}

// Task names are file names in the Task Scheduler library; a quote would also end /TN.
const NOT_IN_TASK_NAMES = /["<>|:*?/\r\n]/;

function checkTaskName(option: string, name: string): void {
  if (NOT_IN_TASK_NAMES.test(name)) {
    throw new UsageError(`${option} ${name}: a task name cannot hold any of " < > | : * ? / (a \\ separates folders of the Task Scheduler library).`);
  }
}

export function windowsPlan(o: PlanOptions): SchedulePlan {
  checkTaskName('--name', o.name);
  if (o.afterTask !== undefined) checkTaskName('--after-task', o.afterTask);
  if (/["\r\n]/.test(o.user)) throw new UsageError(`--user ${o.user}: give the account as DOMAIN\\name or name@domain, without quotes.`);
  const name = taskPath(o.name);
  const afterTask = o.afterTask === undefined ? undefined : taskPath(o.afterTask);
  const out = o.out ?? path.join(o.job.workingDirectory, 'clearnox-sync-task.xml');
  const xml = taskXml({ job: o.job, taskName: name, ...(afterTask ? { afterTask } : {}), at: o.at, user: o.user, timeLimitMinutes: o.timeLimitMinutes, description: description(o), today: o.today });
  const when = afterTask
    ? `when the task ${afterTask} completes, and every day at ${hhmm(o.at)} as well, should it not have run (a run that finds nothing left to send sends nothing)`
    : `every day at ${hhmm(o.at)}`;
  const lines = [
    `Wrote ${out}: the task ${name} runs ${when}, as ${o.user} whether or not that account is logged on, in ${o.job.workingDirectory}, for at most ${systemdSpan(o.timeLimitMinutes)}, never twice at once.`,
    `Each run writes ${o.job.reportFile} ({timestamp}: one per run) and its log in ${o.job.logDir}.`,
    '',
    'To install it, in a Command Prompt run as administrator:',
    '',
  ];
  if (afterTask) lines.push(`  wevtutil sl ${OPERATIONAL_LOG} /e:true`);
  lines.push(`  schtasks /Create /TN ${cmdQuoted(name)} /XML ${cmdQuoted(out)} /RU ${cmdQuoted(o.user)} /RP *`, '');
  if (afterTask) {
    lines.push(
      `The first line turns on Task Scheduler's Operational log ("History" in Task Scheduler), which event triggers need; it is off on many servers.`,
      `Check the connector's task name: schtasks /Query /TN ${cmdQuoted(afterTask)} must find it (else give its name with --after-task).`,
    );
  }
  lines.push(
    `schtasks asks for ${o.user}'s password: Windows keeps it to start the task, and it appears on no command line and in no file. Add /F to replace an earlier task of that name.`,
    'The account needs to read the mapping file, the shares (by UNC path: a task does not see mapped drives) and the database, and to write the folders above.',
  );
  return { files: [{ path: out, bytes: taskFileBytes(xml) }], text: lines.join('\n') + '\n' };
}

export function linuxPlan(o: PlanOptions): SchedulePlan {
  if (o.afterTask !== undefined) {
    throw new UsageError(
      `--after-task ${o.afterTask}: Linux has no Task Scheduler events to follow. Give --at HH:MM, a time by which the connector's nightly sync has ended; a run started meanwhile would only find fewer entries, and the next night's run takes the rest.`,
    );
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?$/.test(o.user)) throw new UsageError(`--user ${o.user}: give the name of a Linux account, e.g. --user clearnox.`);
  let service = o.out ?? path.join(o.job.workingDirectory, `${unitName(o.name)}.service`);
  if (!service.endsWith('.service')) service += '.service';
  const unit = path.basename(service, '.service');
  if (unitName(unit) !== unit) throw new UsageError(`--out ${service}: a systemd unit's name holds only letters, digits and : _ . - (e.g. ${unitName(unit)}.service).`);
  const timer = path.join(path.dirname(service), `${unit}.timer`);
  const options = { job: o.job, unit, at: o.at, user: o.user, timeLimitMinutes: o.timeLimitMinutes, description: description(o) };
  const lock = path.join(o.job.workingDirectory, '.clearnox-sync-cron.lock');
  const text = [
    `Wrote ${service} and ${timer}: ${unit} runs every day at ${hhmm(o.at)} (and, if the server was off then, when it is back), as ${o.user}, in ${o.job.workingDirectory}, for at most ${systemdSpan(o.timeLimitMinutes)}.`,
    `Each run writes ${o.job.reportFile} ({timestamp}: one per run) and its log in ${o.job.logDir}.`,
    'systemd starts no second run while one is running: a start asked meanwhile joins it.',
    '',
    'To install them, as root:',
    '',
    `  cp ${shArg(service)} ${shArg(timer)} /etc/systemd/system/`,
    '  systemctl daemon-reload',
    `  systemctl enable --now ${unit}.timer`,
    '',
    `Then "systemctl list-timers ${unit}.timer" shows the next run, and "journalctl -u ${unit}" the runs' output.`,
    `Without systemd, this line in ${o.user}'s crontab (crontab -e) does the same; flock keeps a second run from starting while one runs:`,
    '',
    `  ${crontabLine(options, lock)}`,
  ];
  return {
    files: [
      { path: service, bytes: Buffer.from(serviceUnit(options)) },
      { path: timer, bytes: Buffer.from(timerUnit(options)) },
    ],
    text: text.join('\n') + '\n',
  };
}
