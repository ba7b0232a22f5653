// The log a person opens in Notepad when a scheduled run went wrong: one line per step, its local
// time and level first, the run's summary at the end. It takes the same records as the JSON log
// (pino's lines, masked before they get here) and is masked again as it is written.
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { PRIVATE_FILE } from '../private-files.js';
import { redact } from '../secrets.js';

// Windows Notepad before Windows 10 1903 (still on many Windows Server 2016/2019 machines) reads a
// file without a byte-order mark in the ANSI code page and shows "Ã©" for "é"; with the mark every
// Notepad, PowerShell 5's Get-Content and Excel read UTF-8, and they expect CRLF. Elsewhere the
// mark would show as a stray character in less and at the start of grep's first line, and tools
// expect LF: both follow the platform the run is on, which is where the file is read.
const BOM = '\uFEFF';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** "2026-12-02 03:30:12  INFO   ": where a record's text starts, and its next lines too. */
const TEXT_COLUMN = 19 + 2 + 5 + 2;

export interface TextLogOptions {
  /** The run's start: the file's name and its first line. */
  startedAt: Date;
  platform?: NodeJS.Platform;
  /** Named in the first line: which customer's run this is, for a folder shared by several. */
  mappingFile?: string;
}

/** A run's name in the logs folder: `run-YYYYMMDD-HHMMSS.log`, `-2` etc. for a second run that second. */
export const RUN_LOG_NAME = /^run-\d{8}-\d{6}(?:-\d+)?\.log$/;

export class TextLog {
  readonly file: string;
  /** Takes pino's JSON lines; to give createLogger. */
  readonly stream: Writable;
  private readonly eol: string;
  private fd: number | null;

  private constructor(file: string, fd: number, opts: TextLogOptions) {
    this.file = file;
    this.fd = fd;
    const windows = (opts.platform ?? process.platform) === 'win32';
    this.eol = windows ? '\r\n' : '\n';
    const offset = -opts.startedAt.getTimezoneOffset();
    const zone = `UTC${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
    this.write(`${windows ? BOM : ''}clearnox-sync run of ${localTime(opts.startedAt)} (times are local, ${zone})${opts.mappingFile ? `, mapping file ${opts.mappingFile}` : ''}${this.eol}`);
    const log = this;
    this.stream = new Writable({
      write(chunk: Buffer | string, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) log.record(line);
        done();
      },
    });
  }

  /**
   * Creates the run's file in `folder` (prepared beforehand), readable by this account only.
   * Created, never appended to: whatever is at the name already, a link planted there included,
   * is left alone and the next free name taken.
   */
  static open(folder: string, stamp: string, opts: TextLogOptions): TextLog {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
    for (let n = 1; ; n++) {
      const file = path.join(folder, `run-${stamp}${n === 1 ? '' : `-${n}`}.log`);
      try {
        return new TextLog(file, openSync(file, flags, PRIVATE_FILE), opts);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 99) throw e;
      }
    }
  }

  /** The run's summary, last in the file. */
  summary(text: string): void {
    this.write(`${this.eol}${text.split('\n').join(this.eol)}${this.eol}`);
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  private record(json: string): void {
    let rec: { level?: number; time?: string | number; msg?: string; err?: unknown };
    try {
      rec = JSON.parse(json) as typeof rec;
    } catch {
      rec = { msg: json };
    }
    const level = LEVELS[rec.level ?? 30] ?? 'INFO';
    const lines = (rec.msg ?? '').split('\n');
    // An unexpected error's stack is what a report of the bug needs; other records say it all in msg.
    if ((rec.level ?? 30) >= 50 && typeof rec.err === 'string' && rec.err.includes('\n')) lines.push(...rec.err.split('\n'));
    const time = localTime(rec.time === undefined ? new Date() : new Date(rec.time));
    const indent = ' '.repeat(TEXT_COLUMN);
    const text = lines.map((l, i) => (i === 0 ? `${time}  ${level.padEnd(5)}  ${l}` : `${indent}${l}`)).join(this.eol);
    this.write(text + this.eol);
  }

  private write(text: string): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, redact(text));
    } catch {
      // A full disk or a lost share costs the log, never the run: the JSON log and the report
      // still tell what it did.
      try {
        this.close();
      } catch {
        // Already lost with the write.
      }
    }
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function localTime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
