// `clearnox-sync schedule` through the compiled program (npx tsc -p tsconfig.json first).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli, type CliResult } from '../helpers/cli.js';
import { child, children, parseXml, text, windowsArgv } from './xml.js';

const exec = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-schedule-cli-'));
  await mkdir(path.join(dir, 'ACME & Fils'));
  await writeFile(path.join(dir, 'ACME & Fils', 'x.yaml'), '# a mapping file\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The program started in `cwd`, as a person types it there. */
async function inFolder(cwd: string, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('clearnox-sync schedule', () => {
  it('writes the task file for a relative --config and prints the commands that install it', async () => {
    const folder = path.join(dir, 'ACME & Fils');
    const r = await inFolder(folder, ['schedule', '--config', 'x.yaml', '--after-task', 'Clearnox Connector', '--platform', 'windows', '--out', 'task.xml', '--user', 'ACME\\svc-clearnox']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = path.join(folder, 'task.xml');
    const bytes = await readFile(file);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const task = parseXml(bytes.subarray(2).toString('utf16le')).documentElement!;
    const exec = child(task, 'Actions', 'Exec');
    // This program, by absolute paths: Node and the script it runs, for the npm form.
    expect(text(exec, 'Command')).toBe(process.execPath);
    expect(windowsArgv(text(exec, 'Arguments'))).toEqual([
      CLI,
      'run',
      '--config',
      path.join(folder, 'x.yaml'),
      '--report',
      path.join(folder, 'reports', 'run-{timestamp}.json'),
      '--log-dir',
      path.join(folder, 'logs'),
    ]);
    expect(text(exec, 'WorkingDirectory')).toBe(folder);
    expect(r.stdout).toContain('  wevtutil sl Microsoft-Windows-TaskScheduler/Operational /e:true\n');
    expect(r.stdout).toContain(`  schtasks /Create /TN "\\Clearnox PDFs" /XML "${file}" /RU "ACME\\svc-clearnox" /RP *\n`);
    expect(r.stdout).toMatch(/asks for ACME\\svc-clearnox's password/);
    // What the task starts is a command line `run` takes: it reaches the mapping file, which
    // this test's placeholder fails (exit 2), rather than stopping at an option.
    const argv = windowsArgv(text(exec, 'Arguments'));
    const started = await inFolder(text(exec, 'WorkingDirectory'), argv.slice(1));
    expect(started.stderr).not.toMatch(/Unknown argument|Run "clearnox-sync --help"/);
    expect(started.stderr).toContain(`The mapping file ${path.join(folder, 'x.yaml')}`);
    expect(started.code).toBe(2);
  });

  it("follows the connector's task by default; --at alone is a plain daily schedule", async () => {
    const config = path.join(dir, 'ACME & Fils', 'x.yaml');
    const triggers = async (extra: string[]) => {
      const out = path.join(dir, `t-${extra.length}.xml`);
      const r = await cli(['schedule', '--config', config, '--platform', 'windows', '--user', 'svc', '--out', out, ...extra]);
      expect(r.code).toBe(0);
      return child(parseXml((await readFile(out)).subarray(2).toString('utf16le')).documentElement!, 'Triggers');
    };
    const byDefault = await triggers([]);
    expect(text(byDefault, 'EventTrigger', 'Subscription')).toContain("='\\Clearnox Connector'");
    expect(text(byDefault, 'CalendarTrigger', 'StartBoundary')).toMatch(/T03:30:00$/);
    const atAlone = await triggers(['--at', '02:00']);
    expect(children(atAlone, 'EventTrigger')).toHaveLength(0);
    expect(text(atAlone, 'CalendarTrigger', 'StartBoundary')).toMatch(/T02:00:00$/);
  });

  it('writes the systemd service and timer beside the mapping file on Linux', async () => {
    const config = path.join(dir, 'ACME & Fils', 'x.yaml');
    const r = await cli(['schedule', '--config', config, '--platform', 'linux', '--at', '01:45', '--user', 'clearnox', '--name', 'ACME PDFs']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const service = await readFile(path.join(dir, 'ACME & Fils', 'acme-pdfs.service'), 'utf8');
    const timer = await readFile(path.join(dir, 'ACME & Fils', 'acme-pdfs.timer'), 'utf8');
    expect(service).toMatch(/^User=clearnox$/m);
    expect(timer).toMatch(/^OnCalendar=\*-\*-\* 01:45:00$/m);
    expect(r.stdout).toContain('  systemctl enable --now acme-pdfs.timer\n');
    expect(r.stdout).toMatch(/^ {2}45 1 \* \* \* .*flock -n /m);
  });

  it.each([
    [['--platform', 'windows', '--at', '25:00'], /--at 25:00: give a time of day as HH:MM/],
    [['--platform', 'windows', '--at', '3h30'], /--at 3h30: give a time of day as HH:MM/],
    [['--platform', 'windows', '--time-limit', '0m'], /--time-limit 0m: give hours and\/or minutes/],
    [['--platform', 'linux', '--after-task', 'Clearnox Connector', '--user', 'clearnox'], /--after-task Clearnox Connector: Linux has no Task Scheduler events .*--at HH:MM/],
  ])('refuses %j (exit 2), writing nothing', async (extra, message) => {
    const out = path.join(dir, `refused-${Math.random().toString(36).slice(2)}.xml`);
    const r = await cli(['schedule', '--config', path.join(dir, 'ACME & Fils', 'x.yaml'), '--out', out, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a mapping file that is not there, naming its absolute path', async () => {
    const r = await inFolder(dir, ['schedule', '--config', 'nothere.yaml', '--platform', 'windows']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--config nothere.yaml: there is no file at ${path.join(dir, 'nothere.yaml')}`);
  });

  it('has --help, and is among the commands', async () => {
    const r = await cli(['schedule', '--help']);
    expect(r.code).toBe(0);
    for (const option of ['--config', '--after-task', '--at', '--user', '--out', '--name', '--platform', '--time-limit']) expect(r.stdout).toContain(option);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('No password is asked or written.');
    const top = await cli(['--help']);
    expect(top.stdout).toMatch(/schedule +Write the scheduled task/);
  });
});
