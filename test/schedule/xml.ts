// Reading what Windows reads: the task file, its event query, Task Scheduler's own events, and a
// command line split as Windows programs split it.
import { createRequire } from 'node:module';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

// Loaded without its types: xpath.d.ts brings in TypeScript's DOM library, whose Blob and fetch
// types then replace Node's in every file of the type check (a Buffer is no longer a BlobPart).
const xpath = createRequire(import.meta.url)('xpath') as { select(expression: string, node: unknown): unknown };

/** A strict parse: any error xmldom reports (not only fatal ones) fails the test. */
export function parseXml(text: string): Document {
  return new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`${level}: ${message}`);
    },
  }).parseFromString(text, 'text/xml');
}

export function children(parent: Element | Document, name: string): Element[] {
  const found: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) if (n.nodeType === 1 && (n as Element).localName === name) found.push(n as Element);
  return found;
}

export function child(parent: Element | Document, ...names: string[]): Element {
  let at: Element | Document = parent;
  for (const name of names) {
    const found = children(at, name);
    if (found.length !== 1) throw new Error(`expected one <${name}> under <${(at as Element).localName ?? '#document'}>, found ${found.length}`);
    at = found[0]!;
  }
  return at as Element;
}

export function text(parent: Element, ...names: string[]): string {
  return child(parent, ...names).textContent ?? '';
}

/**
 * Event 102 as Task Scheduler writes it in its Operational log (Event Viewer, Details, XML View).
 */
export function taskSchedulerEvent(eventId: number, taskName: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-TaskScheduler" Guid="{de7b24ea-73c8-4a09-985d-5bdadcfa9017}" />
    <EventID>${eventId}</EventID>
    <Version>0</Version>
    <Level>4</Level>
    <Task>${eventId}</Task>
    <Opcode>2</Opcode>
    <Keywords>0x8000000000000001</Keywords>
    <TimeCreated SystemTime="2026-11-25T02:14:07.1234567Z" />
    <EventRecordID>48213</EventRecordID>
    <Correlation ActivityID="{4d2c1c4e-3f3a-4b1e-9c55-0a3e5b8f6a21}" />
    <Execution ProcessID="1484" ThreadID="7312" />
    <Channel>Microsoft-Windows-TaskScheduler/Operational</Channel>
    <Computer>SRV-ERP01.acme.local</Computer>
    <Security UserID="S-1-5-18" />
  </System>
  <EventData Name="TaskSuccessEvent">
    <Data Name="TaskName">${esc(taskName)}</Data>
    <Data Name="UserContext">ACME\\svc-connector</Data>
    <Data Name="InstanceId">{4d2c1c4e-3f3a-4b1e-9c55-0a3e5b8f6a21}</Data>
  </EventData>
</Event>`;
}

/**
 * Whether the event log would hand this event to the subscription. Its queries name elements
 * without their namespace (the log matches local names); standard XPath 1.0 would then match
 * nothing, so the sample's namespace declaration is set aside before evaluating.
 */
export function selects(selectExpression: string, eventXml: string): boolean {
  const doc = parseXml(eventXml.replace(/ xmlns="[^"]*"/, ''));
  const result = xpath.select(selectExpression, doc);
  if (typeof result !== 'boolean') throw new Error(`the query is not a condition: ${String(result)}`);
  return result;
}

/** A command line split as CommandLineToArgvW and the C runtime split it. */
export function windowsArgv(line: string): string[] {
  const args: string[] = [];
  let current: string | undefined;
  let quoted = false;
  for (let i = 0; i < line.length; ) {
    const ch = line[i]!;
    if (!quoted && (ch === ' ' || ch === '\t')) {
      if (current !== undefined) args.push(current);
      current = undefined;
      i++;
      continue;
    }
    current ??= '';
    if (ch === '\\') {
      let n = 0;
      while (line[i] === '\\') {
        n++;
        i++;
      }
      if (line[i] === '"') {
        current += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) {
          current += '"';
          i++;
        }
      } else current += '\\'.repeat(n);
      continue;
    }
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        current += '"';
        i += 2;
        continue;
      }
      quoted = !quoted;
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  if (current !== undefined) args.push(current);
  return args;
}
