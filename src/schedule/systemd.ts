// The same job on Linux: a systemd service started by a timer, or a crontab line.
import { isValueArg, type ScheduledJob } from './job.js';
import { cronArg, systemdArg, systemdValue } from './quoting.js';
import { hhmm, systemdSpan, type TimeOfDay } from './times.js';

export interface LinuxJobOptions {
  job: ScheduledJob;
  /** The units' name without .service/.timer. */
  unit: string;
  at: TimeOfDay;
  user: string;
  timeLimitMinutes: number;
  description: string;
}

/** A unit name from a task name: systemd allows letters, digits and `:_.-` (and `\`, which it means as an escape). */
export function unitName(name: string): string {
  const unit = name
    .trim()
    .replace(/^\\+/, '')
    .toLowerCase()
    .replace(/[^a-z0-9:_.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return unit === '' ? 'clearnox-sync' : unit;
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

export function serviceUnit(o: LinuxJobOptions): string {
  return [
    `# Written by clearnox-sync schedule for ${oneLine(o.job.configFile)}`,
    '[Unit]',
    `Description=${systemdValue(oneLine(o.description))}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    // oneshot: the unit is "activating" for the whole run, and a start asked meanwhile (the timer,
    // a person) joins the run in progress: systemd never starts a second instance of it.
    'Type=oneshot',
    `User=${o.user}`,
    `WorkingDirectory=${systemdValue(o.job.workingDirectory)}`,
    `ExecStart=${[o.job.command, ...o.job.args].map((a) => systemdArg(a, isValueArg(a))).join(' ')}`,
    // For a oneshot service the start lasts the whole run: this is the run's time limit.
    `TimeoutStartSec=${systemdSpan(o.timeLimitMinutes)}`,
    // systemd stops a service with SIGTERM, on which a run ends its current step and writes its
    // report within its --stop-timeout (30 s): more than that before SIGKILL.
    'TimeoutStopSec=60s',
    '',
  ].join('\n');
}

export function timerUnit(o: LinuxJobOptions): string {
  return [
    `# Written by clearnox-sync schedule for ${oneLine(o.job.configFile)}`,
    '[Unit]',
    `Description=${systemdValue(oneLine(o.description))} Daily at ${hhmm(o.at)}.`,
    '',
    '[Timer]',
    `OnCalendar=*-*-* ${hhmm(o.at)}:00`,
    // A night the server was off is made up when it is back.
    'Persistent=true',
    `Unit=${o.unit}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}

/**
 * For the user's crontab (`crontab -e` as the job's account). cron would start a second copy
 * while the first still runs: flock -n lets only one hold the lock file at a time.
 */
export function crontabLine(o: LinuxJobOptions, lockFile: string): string {
  const command = [o.job.command, ...o.job.args].map((a) => cronArg(a, isValueArg(a))).join(' ');
  return `${o.at.minute} ${o.at.hour} * * * cd ${cronArg(o.job.workingDirectory)} && flock -n ${cronArg(lockFile)} ${command}`;
}
