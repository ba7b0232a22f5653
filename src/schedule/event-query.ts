// The event that starts the task: Task Scheduler's own "task completed" (event 102 in its
// Operational log) for the connector's task, named by its path in the Task Scheduler library.
import { UsageError } from '../cli/errors.js';
import { xmlAttr, xmlText } from './quoting.js';

export const OPERATIONAL_LOG = 'Microsoft-Windows-TaskScheduler/Operational';
export const TASK_COMPLETED_EVENT = 102;

/** Event 102 names the task by its full path: `\Clearnox Connector`, `\Vendor\Connector`. */
export function taskPath(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed === '\\') throw new UsageError('--after-task needs the name of the connector\'s task as Task Scheduler shows it, e.g. --after-task "Clearnox Connector".');
  return trimmed.startsWith('\\') ? trimmed : `\\${trimmed}`;
}

/**
 * An XPath 1.0 string literal: it has no escape, so a name with an apostrophe goes in double
 * quotes. A task name cannot hold a double quote (Task Scheduler refuses it), but one given
 * with both is told, not cut.
 */
function xpathLiteral(value: string, option: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new UsageError(`${option} ${value}: a task name cannot hold both ' and "; give it as Task Scheduler shows it.`);
}

/** The Select expression: event 102 of Task Scheduler whose TaskName is the connector's task. */
export function completedTaskXPath(path: string): string {
  return (
    `*[System[Provider[@Name='Microsoft-Windows-TaskScheduler'] and EventID=${TASK_COMPLETED_EVENT}]]` +
    ` and *[EventData[Data[@Name='TaskName']=${xpathLiteral(path, '--after-task')}]]`
  );
}

/** The subscription as the EventTrigger holds it: a QueryList document, itself XML text. */
export function completedTaskQueryList(path: string): string {
  return (
    `<QueryList><Query Id="0" Path="${xmlAttr(OPERATIONAL_LOG)}">` +
    `<Select Path="${xmlAttr(OPERATIONAL_LOG)}">${xmlText(completedTaskXPath(path))}</Select>` +
    `</Query></QueryList>`
  );
}
