import { mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { scheduledJob, thisProgram } from '../../schedule/job.js';
import { DEFAULT_CONNECTOR_TASK, DEFAULT_TASK_NAME, linuxPlan, windowsPlan, type PlanOptions } from '../../schedule/plan.js';
import { parseTimeLimit, parseTimeOfDay } from '../../schedule/times.js';
import { checkConfigPath } from '../config-path.js';
import { UsageError } from '../errors.js';

type Platform = 'windows' | 'linux';

interface ScheduleArgs {
  config: string;
  afterTask?: string;
  at?: string;
  user?: string;
  out?: string;
  name: string;
  platform: Platform;
  timeLimit: string;
}

const DEFAULT_AT = '03:30';

/** The account running this command, as the scheduler names it. */
function currentUser(platform: Platform): string {
  const name = os.userInfo().username;
  const domain = process.env.USERDOMAIN;
  return platform === 'windows' && process.platform === 'win32' && domain ? `${domain}\\${name}` : name;
}

async function mappingFile(value: string): Promise<string> {
  await checkConfigPath(value);
  const file = path.resolve(value);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`--config ${value}: there is no file at ${file}. Give the mapping file's path (clearnox-sync init writes one).`);
  return file;
}

async function write(file: string, bytes: Buffer): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError(`--out: ${file} cannot be written by this account (${code}). Give another file with --out.`);
  }
}

export const scheduleCommand: CommandModule<object, ScheduleArgs> = {
  command: 'schedule',
  describe: 'Write the scheduled task (Windows Task Scheduler XML, or a systemd timer) that runs this mapping file, and print how to install it',
  builder: (y: Argv) =>
    y
      .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'Mapping file (YAML) the task runs' })
      .option('after-task', {
        type: 'string',
        describe: `Windows: run when this task completes (the connector's; default "${DEFAULT_CONNECTOR_TASK}" unless --at alone is given), and daily at --at as well`,
      })
      .option('at', { type: 'string', describe: `Daily time, HH:MM local (default ${DEFAULT_AT}): with --after-task the run that comes should the task not have run; alone, the schedule` })
      .option('user', { type: 'string', describe: 'Account the task runs as, e.g. ACME\\svc-clearnox (default: this account); schtasks asks for its password' })
      .option('out', { type: 'string', describe: 'File to write (default beside the mapping file: clearnox-sync-task.xml, or <name>.service and .timer)' })
      .option('name', { type: 'string', default: DEFAULT_TASK_NAME, describe: "The task's name (Linux: the units' name made from it)" })
      .option('platform', { type: 'string', choices: ['windows', 'linux'], default: process.platform === 'win32' ? 'windows' : 'linux', describe: 'Scheduler to write for' })
      .option('time-limit', { type: 'string', default: '4h', describe: 'Longest a run may take before it is stopped, e.g. 4h, 90m, 2h30m' })
      .example('$0 schedule --config C:\\clearnox\\acme.yaml --after-task "Clearnox Connector" --user ACME\\svc-clearnox', 'after the connector, 03:30 at the latest')
      .example('$0 schedule --config /srv/clearnox/acme.yaml --at 02:30 --user clearnox', 'a systemd timer (Linux)')
      .epilog('Nothing is installed: the command prints the lines to run as administrator (root). No password is asked or written.') as unknown as Argv<ScheduleArgs>,
  handler: async (args: ArgumentsCamelCase<ScheduleArgs>) => {
    const configFile = await mappingFile(args.config);
    const at = parseTimeOfDay(args.at ?? DEFAULT_AT);
    const timeLimitMinutes = parseTimeLimit(args.timeLimit);
    if (args.platform === 'linux' && args.user === undefined && os.userInfo().uid === 0) {
      throw new UsageError('--user: give the account the job runs as (e.g. --user clearnox); it would run as root otherwise, and needs none of root\'s rights.');
    }
    const options: PlanOptions = {
      job: scheduledJob(thisProgram(), configFile),
      name: args.name,
      at,
      user: args.user ?? currentUser(args.platform),
      timeLimitMinutes,
      today: new Date(),
      ...(args.out !== undefined ? { out: path.resolve(args.out) } : {}),
    };
    // The default follows the connector; a time alone is a plain daily schedule.
    const afterTask = args.afterTask ?? (args.platform === 'windows' && args.at === undefined ? DEFAULT_CONNECTOR_TASK : undefined);
    if (afterTask !== undefined) options.afterTask = afterTask;
    const plan = args.platform === 'windows' ? windowsPlan(options) : linuxPlan(options);
    for (const f of plan.files) await write(f.path, f.bytes);
    const here = process.platform === 'win32' ? 'windows' : 'linux';
    const note = args.platform === here ? '' : `\nThe paths above are this machine's: run "schedule" on the server the task runs on.\n`;
    process.stdout.write(plan.text + note);
  },
};
