// The two times a schedule is given: the time of day it runs, and how long a run may last.
import { UsageError } from '../cli/errors.js';

export interface TimeOfDay {
  hour: number;
  minute: number;
}

export function parseTimeOfDay(text: string, option = '--at'): TimeOfDay {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new UsageError(`${option} ${text}: give a time of day as HH:MM (24-hour clock, this server's local time), e.g. ${option} 03:30.`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

export function hhmm(t: TimeOfDay): string {
  return `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
}

/** A run's time limit in minutes, from `4h`, `90m` or `2h30m`. */
export function parseTimeLimit(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?$/i.exec(text.trim());
  const minutes = m && (m[1] !== undefined || m[2] !== undefined) ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : 0;
  if (!(minutes > 0)) throw new UsageError(`--time-limit ${text}: give hours and/or minutes above zero, e.g. --time-limit 4h, 90m or 2h30m.`);
  return minutes;
}

/** As Task Scheduler's ExecutionTimeLimit (an XML duration): PT4H, PT2H30M. */
export function isoDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}`;
}

/** As systemd's time spans: 4h, 2h 30min. */
export function systemdSpan(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h ? `${h}h` : '', m ? `${m}min` : ''].filter(Boolean).join(' ');
}
