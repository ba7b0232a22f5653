// The Linux form: a systemd service and timer as systemd reads them, and a crontab line as cron
// and /bin/sh run it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduledJob } from '../../src/schedule/job.js';
import { linuxPlan, type PlanOptions } from '../../src/schedule/plan.js';
import { unitName } from '../../src/schedule/systemd.js';

const run = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-schedule-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(over: Partial<PlanOptions> = {}): PlanOptions {
  const folder = path.join(dir, 'ACME 100% & Fils');
  return {
    job: scheduledJob({ command: process.execPath, leadingArgs: ['/opt/clearnox sync/main.js'] }, path.join(folder, 'acme $HOME.yaml')),
    name: 'Clearnox PDFs',
    at: { hour: 2, minute: 5 },
    user: 'clearnox',
    timeLimitMinutes: 150,
    out: path.join(dir, 'clearnox-pdfs.service'),
    today: new Date(2026, 10, 25),
    ...over,
  };
}

/** A unit file's sections and their keys (the last value of a key given twice). */
function parseUnit(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = sections[section[1]!] = {};
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`not a unit file line: ${line}`);
    current[kv[1]!] = kv[2]!;
  }
  return sections;
}

/** ExecStart= split as systemd splits it: double-quoted words with C escapes, `%%` and `$$` for themselves. */
function execWords(value: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const word = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    if (/%[^%]|%$/.test(word.replaceAll('%%', ''))) throw new Error(`unescaped specifier in ${word}`);
    words.push(word.replaceAll('%%', '%').replaceAll('$$', '$'));
  }
  return words;
}

function files(over: Partial<PlanOptions> = {}) {
  const plan = linuxPlan(options(over));
  const [service, timer] = plan.files;
  return { plan, service: service!, timer: timer!, serviceUnit: parseUnit(service!.bytes.toString()), timerUnit: parseUnit(timer!.bytes.toString()) };
}

describe('the systemd units', () => {
  it('run the same command once, as the account, in the mapping file\'s folder, with a time limit', () => {
    const { serviceUnit } = files();
    const s = serviceUnit.Service!;
    const o = options();
    expect(s.Type).toBe('oneshot');
    expect(s.User).toBe('clearnox');
    expect(s.WorkingDirectory!.replaceAll('%%', '%')).toBe(o.job.workingDirectory);
    expect(execWords(s.ExecStart!)).toEqual([o.job.command, ...o.job.args]);
    expect(o.job.args).toContain(path.join(dir, 'ACME 100% & Fils', 'acme $HOME.yaml'));
    expect(s.TimeoutStartSec).toBe('2h 30min');
    expect(serviceUnit.Unit!.After).toBe('network-online.target');
  });

  it('are started daily at --at by a timer that makes up a missed night', () => {
    const { timerUnit, timer } = files();
    expect(timer.path).toBe(path.join(dir, 'clearnox-pdfs.timer'));
    expect(timerUnit.Timer!.OnCalendar).toBe('*-*-* 02:05:00');
    expect(timerUnit.Timer!.Persistent).toBe('true');
    expect(timerUnit.Timer!.Unit).toBe('clearnox-pdfs.service');
    expect(timerUnit.Install!.WantedBy).toBe('timers.target');
  });

  it('are units systemd-analyze verify accepts, where systemd is installed', async () => {
    // The real command and account, so that only the units' own text can fail it.
    const job = scheduledJob({ command: process.execPath, leadingArgs: [] }, path.join(dir, 'a b', 'acme.yaml'));
    const plan = linuxPlan(options({ job, user: os.userInfo().username, out: path.join(dir, 'verify-me.service') }));
    for (const f of plan.files) {
      await writeFile(f.path, f.bytes);
      expect(Object.keys(parseUnit(f.bytes.toString())).length).toBeGreaterThan(1);
    }
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
    // Debian's systemd package has it, and CI runs on such a machine: there it must be tried.
    if (process.env.CI === 'true') expect(analyze, 'systemd-analyze (Debian package systemd) is needed when CI=true').toBeDefined();
    if (!analyze) return;
    const r = await run(analyze, ['verify', ...plan.files.map((f) => f.path)]);
    // verify warns (exit 0) about what it ignores: an unknown key, a bad escape.
    expect(r.stderr.split('\n').filter((l) => l.includes('verify-me'))).toEqual([]);
  });

  it('are named from --name, or from --out', () => {
    expect(unitName('Clearnox PDFs')).toBe('clearnox-pdfs');
    expect(unitName('\\ACME & Fils: PDFs')).toBe('acme-fils:-pdfs');
    const { service, timer } = files({ out: path.join(dir, 'nightly.service') });
    expect([service.path, timer.path]).toEqual([path.join(dir, 'nightly.service'), path.join(dir, 'nightly.timer')]);
    expect(() => linuxPlan(options({ out: path.join(dir, 'My Job.service') }))).toThrow(/--out .*my-job\.service/);
  });

  it('print the commands that install them, and a crontab line that flock keeps to one run at a time', async () => {
    const { plan } = files();
    const lines = plan.text.split('\n').map((l) => l.trim());
    expect(lines).toContain('systemctl daemon-reload');
    expect(lines).toContain('systemctl enable --now clearnox-pdfs.timer');
    expect(lines).toContain(`cp ${path.join(dir, 'clearnox-pdfs.service')} ${path.join(dir, 'clearnox-pdfs.timer')} /etc/systemd/system/`);
    const cron = lines.find((l) => /^\d+ \d+ \* \* \* /.test(l))!;
    expect(cron).toMatch(/^5 2 \* \* \* cd .* && flock -n /);
    // cron ends the command at an unescaped % and drops the \ before an escaped one; then sh runs it.
    expect(cron.replace(/\\%/g, '')).not.toContain('%');
    const command = cron.replace(/^(\S+ ){5}/, '').replace(/\\%/g, '%');
    const { stdout } = await run('/bin/sh', ['-c', `set -- ${command.replace(/^cd .*? && flock -n '[^']*' /, '')}; printf '%s\\n' "$@"`]);
    const o = options();
    expect(stdout.trimEnd().split('\n')).toEqual([o.job.command, ...o.job.args]);
  });

  it('refuse --after-task, naming --at', () => {
    expect(() => linuxPlan(options({ afterTask: 'Clearnox Connector' }))).toThrow(/--after-task .*--at HH:MM/);
  });

  it('refuse an account name that is not one', () => {
    expect(() => linuxPlan(options({ user: 'clear nox' }))).toThrow(/--user/);
  });
});
