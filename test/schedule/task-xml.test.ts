// The task file as Task Scheduler reads it: its encoding, the elements it requires, and the
// event query that starts it after the connector's task.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scheduledJob } from '../../src/schedule/job.js';
import { windowsPlan, type PlanOptions } from '../../src/schedule/plan.js';
import { TASK_NAMESPACE } from '../../src/schedule/task-xml.js';
import { child, children, parseXml, selects, taskSchedulerEvent, text, windowsArgv } from './xml.js';

const EXE = 'C:\\Program Files\\clearnox-sync\\clearnox-sync.exe';
const CONFIG = 'C:\\clearnox\\ACME & Fils\\acme.yaml';

function options(over: Partial<PlanOptions> = {}): PlanOptions {
  return {
    job: scheduledJob({ command: EXE, leadingArgs: [] }, CONFIG, path.win32),
    name: 'Clearnox PDFs',
    afterTask: 'Clearnox Connector',
    at: { hour: 3, minute: 30 },
    user: 'ACME\\svc-clearnox',
    timeLimitMinutes: 240,
    out: 'C:\\clearnox\\task.xml',
    today: new Date(2026, 10, 25, 14, 0),
    ...over,
  };
}

function taskOf(over: Partial<PlanOptions> = {}) {
  const plan = windowsPlan(options(over));
  const bytes = plan.files[0]!.bytes;
  const xml = bytes.subarray(2).toString('utf16le');
  return { plan, bytes, xml, task: parseXml(xml).documentElement! };
}

/** The Select expression of the event trigger, read back through both layers of XML. */
function selectOf(task: ReturnType<typeof taskOf>['task']): string {
  const subscription = text(task, 'Triggers', 'EventTrigger', 'Subscription');
  const queryList = parseXml(subscription).documentElement!;
  expect(queryList.localName).toBe('QueryList');
  const query = child(queryList, 'Query');
  expect(query.getAttribute('Path')).toBe('Microsoft-Windows-TaskScheduler/Operational');
  const select = child(query, 'Select');
  expect(select.getAttribute('Path')).toBe('Microsoft-Windows-TaskScheduler/Operational');
  return select.textContent ?? '';
}

describe('the Task Scheduler XML', () => {
  it('is UTF-16 little-endian with its byte order mark, and says so', () => {
    const { bytes, xml } = taskOf({ name: 'Factures réglées' });
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-16"?>')).toBe(true);
    // Each character two bytes: an accent survives, where Windows would misread UTF-8 without a mark.
    expect(bytes.length).toBe(2 + xml.length * 2);
    expect(xml).toContain('<URI>\\Factures réglées</URI>');
  });

  it('is a well-formed task in the Task Scheduler namespace, version 1.2, with the elements it requires', () => {
    const { task } = taskOf();
    expect(task.localName).toBe('Task');
    expect(task.namespaceURI).toBe(TASK_NAMESPACE);
    expect(Number(task.getAttribute('version'))).toBeGreaterThanOrEqual(1.2);
    for (const name of ['RegistrationInfo', 'Triggers', 'Principals', 'Settings', 'Actions']) {
      expect(children(task, name), name).toHaveLength(1);
      expect(child(task, name).namespaceURI).toBe(TASK_NAMESPACE);
    }
    expect(text(task, 'RegistrationInfo', 'URI')).toBe('\\Clearnox PDFs');
    expect(text(task, 'RegistrationInfo', 'Description')).toMatch(/acme\.yaml/);
  });

  it('runs as the account whether it is logged on or not, without elevation', () => {
    const { task } = taskOf();
    const principal = child(task, 'Principals', 'Principal');
    expect(text(principal, 'UserId')).toBe('ACME\\svc-clearnox');
    expect(text(principal, 'LogonType')).toBe('Password');
    expect(text(principal, 'RunLevel')).toBe('LeastPrivilege');
    // The action runs as that principal.
    expect(child(task, 'Actions').getAttribute('Context')).toBe(principal.getAttribute('id'));
  });

  it('never starts a second run, has a time limit, makes up a missed start and waits for no idle time', () => {
    const settings = child(taskOf({ timeLimitMinutes: 150 }).task, 'Settings');
    expect(text(settings, 'MultipleInstancesPolicy')).toBe('IgnoreNew');
    expect(text(settings, 'ExecutionTimeLimit')).toBe('PT2H30M');
    expect(text(settings, 'StartWhenAvailable')).toBe('true');
    expect(text(settings, 'DisallowStartIfOnBatteries')).toBe('false');
    expect(text(settings, 'RunOnlyIfIdle')).toBe('false');
    expect(text(settings, 'IdleSettings', 'StopOnIdleEnd')).toBe('false');
    expect(text(settings, 'Enabled')).toBe('true');
  });

  it('runs the executable by its absolute path, in the mapping file\'s folder, with arguments Windows splits back as they were', () => {
    const exec = child(taskOf().task, 'Actions', 'Exec');
    expect(text(exec, 'Command')).toBe(EXE);
    expect(text(exec, 'WorkingDirectory')).toBe('C:\\clearnox\\ACME & Fils');
    const line = text(exec, 'Arguments');
    expect(line).toBe(
      'run --config "C:\\clearnox\\ACME & Fils\\acme.yaml" --report "C:\\clearnox\\ACME & Fils\\reports\\run-{timestamp}.json" --log-dir "C:\\clearnox\\ACME & Fils\\logs"',
    );
    expect(windowsArgv(line)).toEqual([
      'run',
      '--config',
      CONFIG,
      '--report',
      'C:\\clearnox\\ACME & Fils\\reports\\run-{timestamp}.json',
      '--log-dir',
      'C:\\clearnox\\ACME & Fils\\logs',
    ]);
  });

  it('quotes a folder ending in a backslash or holding a quote so that Windows splits it back whole', () => {
    const job = scheduledJob({ command: 'C:\\Program Files\\nodejs\\node.exe', leadingArgs: ['C:\\tools\\x" y\\'] }, 'D:\\a b\\c.yaml', path.win32);
    const exec = child(taskOf({ job }).task, 'Actions', 'Exec');
    const argv = windowsArgv(text(exec, 'Arguments'));
    expect(argv[0]).toBe('C:\\tools\\x" y\\');
    expect(argv.slice(1, 4)).toEqual(['run', '--config', 'D:\\a b\\c.yaml']);
  });

  it('has a daily trigger at the fallback time, from the day it is written', () => {
    const triggers = child(taskOf({ at: { hour: 4, minute: 5 } }).task, 'Triggers');
    const daily = child(triggers, 'CalendarTrigger');
    expect(text(daily, 'StartBoundary')).toBe('2026-11-25T04:05:00');
    expect(text(daily, 'ScheduleByDay', 'DaysInterval')).toBe('1');
    expect(text(daily, 'Enabled')).toBe('true');
  });

  it("has only the daily trigger when no connector's task is given", () => {
    const { task, plan } = taskOf({ afterTask: undefined });
    const triggers = child(task, 'Triggers');
    expect(children(triggers, 'EventTrigger')).toHaveLength(0);
    expect(children(triggers, 'CalendarTrigger')).toHaveLength(1);
    expect(plan.text).not.toMatch(/wevtutil/);
  });
});

describe("the event query on the connector's task", () => {
  it("selects event 102 of the connector's task, named by its path with a leading backslash", () => {
    const select = selectOf(taskOf({ afterTask: 'Clearnox Connector' }).task);
    expect(selects(select, taskSchedulerEvent(102, '\\Clearnox Connector'))).toBe(true);
  });

  it('keeps a leading backslash or a folder as given', () => {
    expect(selects(selectOf(taskOf({ afterTask: '\\Clearnox Connector' }).task), taskSchedulerEvent(102, '\\Clearnox Connector'))).toBe(true);
    const inFolder = selectOf(taskOf({ afterTask: 'Vendor\\Connector' }).task);
    expect(selects(inFolder, taskSchedulerEvent(102, '\\Vendor\\Connector'))).toBe(true);
    expect(selects(inFolder, taskSchedulerEvent(102, '\\Connector'))).toBe(false);
  });

  it('does not select another task, nor another event of the same task', () => {
    const select = selectOf(taskOf().task);
    expect(selects(select, taskSchedulerEvent(102, '\\Clearnox PDFs'))).toBe(false);
    expect(selects(select, taskSchedulerEvent(102, '\\Clearnox Connector 2'))).toBe(false);
    // 100: task started; 101: failed to start; 201: action completed.
    for (const id of [100, 101, 201]) expect(selects(select, taskSchedulerEvent(id, '\\Clearnox Connector')), String(id)).toBe(false);
  });

  it('does not select event 102 from another provider', () => {
    const select = selectOf(taskOf().task);
    const other = taskSchedulerEvent(102, '\\Clearnox Connector').replace('Name="Microsoft-Windows-TaskScheduler"', 'Name="Some-Other-Provider"');
    expect(selects(select, other)).toBe(false);
  });

  it('escapes a name with an ampersand and an apostrophe through both layers of XML', () => {
    const name = "ACME & Fils's nightly [1]";
    const { task, xml } = taskOf({ afterTask: name });
    expect(xml).toContain('&amp;amp;');
    const select = selectOf(task);
    expect(selects(select, taskSchedulerEvent(102, `\\${name}`))).toBe(true);
    expect(selects(select, taskSchedulerEvent(102, '\\ACME & Fils'))).toBe(false);
  });
});

describe('the printed commands', () => {
  it('install the task with schtasks, the password asked by schtasks, after turning on the Operational log', () => {
    const { plan } = taskOf({ name: 'ACME & Fils PDFs', out: 'C:\\clearnox\\ACME & Fils\\task.xml' });
    const lines = plan.text.split('\n').map((l) => l.trim());
    expect(lines).toContain('wevtutil sl Microsoft-Windows-TaskScheduler/Operational /e:true');
    expect(lines).toContain('schtasks /Create /TN "\\ACME & Fils PDFs" /XML "C:\\clearnox\\ACME & Fils\\task.xml" /RU "ACME\\svc-clearnox" /RP *');
    expect(lines.indexOf('wevtutil sl Microsoft-Windows-TaskScheduler/Operational /e:true')).toBeLessThan(lines.findIndex((l) => l.startsWith('schtasks /Create')));
  });

  it('refuses names Task Scheduler cannot hold, and accounts with quotes', () => {
    expect(() => windowsPlan(options({ name: 'PDFs "nightly"' }))).toThrow(/--name .*cannot hold/);
    expect(() => windowsPlan(options({ afterTask: 'a:b' }))).toThrow(/--after-task .*cannot hold/);
    expect(() => windowsPlan(options({ afterTask: '  ' }))).toThrow(/--after-task needs the name/);
    expect(() => windowsPlan(options({ user: 'ACME\\"x' }))).toThrow(/--user/);
  });
});
