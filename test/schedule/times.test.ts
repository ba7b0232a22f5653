import { describe, expect, it } from 'vitest';
import { hhmm, isoDuration, parseTimeLimit, parseTimeOfDay, systemdSpan } from '../../src/schedule/times.js';

describe('the times a schedule is given', () => {
  it('reads a time of day on the 24-hour clock', () => {
    expect(hhmm(parseTimeOfDay('3:05'))).toBe('03:05');
    expect(parseTimeOfDay('23:59')).toEqual({ hour: 23, minute: 59 });
    for (const bad of ['24:00', '12:60', '12', '12:5', '1230', '-1:00', '']) expect(() => parseTimeOfDay(bad), bad).toThrow(/HH:MM/);
  });

  it('reads a time limit and writes it for each scheduler', () => {
    expect(parseTimeLimit('4h')).toBe(240);
    expect(parseTimeLimit('90m')).toBe(90);
    expect(parseTimeLimit('2h30m')).toBe(150);
    expect([isoDuration(90), systemdSpan(90)]).toEqual(['PT1H30M', '1h 30min']);
    expect([isoDuration(240), systemdSpan(240)]).toEqual(['PT4H', '4h']);
    expect([isoDuration(45), systemdSpan(45)]).toEqual(['PT45M', '45min']);
    for (const bad of ['0h', '', 'h', '4', '4 hours', '-1h']) expect(() => parseTimeLimit(bad), bad).toThrow(/--time-limit/);
  });
});
