// Two audiences: the person at the console reads short lines; the administrator who finds a
// failed scheduled task reads the JSON log file. Both are masked (src/secrets.ts).
import { fchmodSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { APPEND_NOFOLLOW, PRIVATE_FILE } from './private-files.js';
import { redact, redactValue } from './secrets.js';

export type { Logger };

export interface LogOptions {
  level?: string;
  /** JSON lines, one file per run is the caller's choice of name. */
  file?: string;
  /** Human lines on stderr; off for `--json` output and in tests. */
  console?: boolean;
  /** Writes a console line (stderr unless given): a live progress line clears itself first. */
  consoleWrite?: (text: string) => void;
  /** The run's plain-text log (src/logs/text-log.ts); like the JSON log, it gets every record from debug up. */
  text?: { stream: Writable };
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

function humanStream(out: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      try {
        const line = JSON.parse(chunk.toString('utf8')) as { level: number; msg?: string };
        const level = LEVEL_NAMES[line.level] ?? 'info';
        const prefix = level === 'info' ? '' : `${level.toUpperCase()}: `;
        if (line.msg) out(`${prefix}${line.msg}\n`);
      } catch {
        out(chunk.toString('utf8'));
      }
      done();
    },
  });
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const streams: pino.StreamEntry[] = [];
  const toStderr = (text: string) => void process.stderr.write(text);
  if (opts.console !== false) streams.push({ level: level as pino.Level, stream: humanStream(opts.consoleWrite ?? toStderr) });
  if (opts.file) {
    mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
    streams.push({ level: 'debug', stream: pino.destination({ fd: openLogFile(opts.file), sync: true }) });
  }
  if (opts.text) streams.push({ level: 'debug', stream: opts.text.stream });
  if (streams.length === 0) return pino({ level: 'silent' });
  return pino(
    {
      level: opts.file || opts.text ? 'debug' : level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Secrets are masked in what is logged, before pino serialises it (msg, objects, format
      // arguments, a child's bindings); the written line is masked again in case a serialiser
      // brought in text of its own.
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => redactValue(a)) as Parameters<pino.LogFn>);
        },
        streamWrite: (s) => redact(s),
      },
      formatters: { bindings: (bindings) => redactValue(bindings) },
    },
    pino.multistream(streams),
  );
}

// Appended to, or created readable by the task's account only; a link at its name is refused
// rather than followed (the log would land, and grow, wherever it points).
function openLogFile(file: string): number {
  try {
    const fd = openSync(file, APPEND_NOFOLLOW, PRIVATE_FILE);
    // A log an older version made readable by others is appended to as the task account's only;
    // a device such as /dev/null, or a file of another account's, is left as it is.
    const stat = fstatSync(fd);
    if (process.platform !== 'win32' && stat.isFile() && (stat.mode & 0o077) !== 0) {
      try {
        fchmodSync(fd, PRIVATE_FILE);
      } catch {
        // Not this account's file: its owner chose who reads it.
      }
    }
    return fd;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOOP') throw e;
    throw Object.assign(new Error(`${path.resolve(file)}: the log file's name is a link, which is not followed; remove the link or choose another file name.`), { code: 'ELOOP' });
  }
}

export const silentLogger: Logger = pino({ level: 'silent' });
