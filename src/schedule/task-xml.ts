// The task definition `schtasks /Create /XML` registers (Task Scheduler schema, task version 1.2:
// Windows Vista / Server 2008 and later, the first with event triggers). Elements follow the
// schema's documented order.
import { completedTaskQueryList } from './event-query.js';
import { isValueArg, type ScheduledJob } from './job.js';
import { windowsArg, xmlText } from './quoting.js';
import { hhmm, isoDuration, type TimeOfDay } from './times.js';

export const TASK_NAMESPACE = 'http://schemas.microsoft.com/windows/2004/02/mit/task';

export interface WindowsTaskOptions {
  job: ScheduledJob;
  /** The task's own path, e.g. `\Clearnox PDFs`. */
  taskName: string;
  /** The connector's task path; absent: the daily time alone. */
  afterTask?: string;
  at: TimeOfDay;
  user: string;
  timeLimitMinutes: number;
  description: string;
  /** The date the daily trigger starts from (its time is `at`). */
  today: Date;
}

function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The job's arguments as one line: Task Scheduler passes it to the program as it is. */
export function windowsArguments(job: ScheduledJob): string {
  return job.args.map((a) => windowsArg(a, isValueArg(a))).join(' ');
}

export function taskXml(o: WindowsTaskOptions): string {
  const e = xmlText;
  const triggers: string[] = [];
  if (o.afterTask) {
    triggers.push(
      '    <EventTrigger>',
      '      <Enabled>true</Enabled>',
      `      <Subscription>${e(completedTaskQueryList(o.afterTask))}</Subscription>`,
      '    </EventTrigger>',
    );
  }
  // Without an event trigger it is the schedule; with one, the run that still comes when the
  // connector's task did not (the event log off, the task renamed, disabled or failed to start).
  triggers.push(
    '    <CalendarTrigger>',
    '      <Enabled>true</Enabled>',
    `      <StartBoundary>${localDate(o.today)}T${hhmm(o.at)}:00</StartBoundary>`,
    '      <ScheduleByDay>',
    '        <DaysInterval>1</DaysInterval>',
    '      </ScheduleByDay>',
    '    </CalendarTrigger>',
  );
  const lines = [
    '<?xml version="1.0" encoding="UTF-16"?>',
    `<Task version="1.2" xmlns="${TASK_NAMESPACE}">`,
    '  <RegistrationInfo>',
    `    <Description>${e(o.description)}</Description>`,
    `    <URI>${e(o.taskName)}</URI>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    ...triggers,
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${e(o.user)}</UserId>`,
    // Password, not S4U: S4U runs without the account's password and so without its network
    // credentials, and the documents are on file shares and the database may use Windows logons.
    '      <LogonType>Password</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    // A run still going when the next trigger comes is left alone; the next one starts nothing.
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <AllowHardTerminate>true</AllowHardTerminate>',
    // A night the server was off is made up when it is back.
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    // An unreachable server is the run's to tell (exit code 3), not a reason not to start.
    '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>',
    '    <IdleSettings>',
    '      <StopOnIdleEnd>false</StopOnIdleEnd>',
    '      <RestartOnIdle>false</RestartOnIdle>',
    '    </IdleSettings>',
    '    <AllowStartOnDemand>true</AllowStartOnDemand>',
    '    <Enabled>true</Enabled>',
    '    <Hidden>false</Hidden>',
    '    <RunOnlyIfIdle>false</RunOnlyIfIdle>',
    '    <WakeToRun>false</WakeToRun>',
    `    <ExecutionTimeLimit>${isoDuration(o.timeLimitMinutes)}</ExecutionTimeLimit>`,
    '    <Priority>7</Priority>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${e(o.job.command)}</Command>`,
    `      <Arguments>${e(windowsArguments(o.job))}</Arguments>`,
    `      <WorkingDirectory>${e(o.job.workingDirectory)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
  ];
  return lines.join('\r\n') + '\r\n';
}

/**
 * The file's bytes: UTF-16 little-endian with its byte order mark, as Task Scheduler exports a
 * task, so that schtasks reads it as the declaration says whatever the server's code page.
 */
export function taskFileBytes(xml: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
}
