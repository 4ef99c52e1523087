// Tests of wall-clock conversion, pattern formatting and date parsing across time zones and DST.

import { describe, expect, it } from 'vitest';
import { formatDate, fromWallTime, monthLength, parseDateTime, utcOffsetMinutes, zonedTime } from './datetime';

const T = Date.UTC(2024, 6, 4, 21, 5, 9, 42); // Thursday 2024-07-04 21:05:09.042 UTC

describe('formatDate', () => {
  it.each<[string, string, string]>([
    ['YYYY-MM-DD HH:mm:ss', 'utc', '2024-07-04 21:05:09'],
    ['YYYY-MM-DD HH:mm:ss.SSS', 'utc', '2024-07-04 21:05:09.042'],
    ['MM/DD/YYYY h:mm:ss a', 'utc', '07/04/2024 9:05:09 pm'],
    ['ddd, MMM Do YY', 'utc', 'Thu, Jul 4th 24'],
    ['dddd MMMM D [at] H:m:s A', 'utc', 'Thursday July 4 at 21:5:9 PM'],
    ['Q X x', 'utc', `3 ${Math.floor(T / 1000)} ${T}`],
    ['HH:mm Z', 'Europe/Berlin', '23:05 +02:00'],
    ['YYYY-MM-DD HH:mm ZZ', 'Asia/Kolkata', '2024-07-05 02:35 +0530'],
    ['HH:mm Z', 'America/New_York', '17:05 -04:00'],
    ['HH:mm', 'Not/AZone', '21:05'],
  ])('%s in %s', (pattern, tz, text) => {
    expect(formatDate(T, pattern, tz)).toBe(text);
  });

  it('says Invalid date for NaN', () => {
    expect(formatDate(NaN, 'YYYY', 'utc')).toBe('Invalid date');
  });

  it('follows the browser zone by default', () => {
    const d = new Date(T);
    expect(formatDate(T, 'H')).toBe(String(d.getHours()));
    expect(utcOffsetMinutes(T)).toBe(-d.getTimezoneOffset());
  });
});

describe('zonedTime and fromWallTime', () => {
  it.each(['utc', 'Europe/Berlin', 'Australia/Adelaide', 'America/Los_Angeles', 'browser'])('round-trips in %s', (tz) => {
    expect(fromWallTime(zonedTime(T, tz), tz)).toBe(T);
  });

  it('reads weekday and fields', () => {
    expect(zonedTime(T, 'utc')).toEqual({ year: 2024, month: 7, day: 4, hour: 21, minute: 5, second: 9, millisecond: 42, weekday: 4 });
    expect(zonedTime(T, 'Pacific/Kiritimati').weekday).toBe(5);
  });

  it('rolls over out-of-range fields', () => {
    const base = { hour: 0, minute: 0, second: 0, millisecond: 0 };
    expect(fromWallTime({ ...base, year: 2024, month: 13, day: 1 }, 'utc')).toBe(Date.UTC(2025, 0, 1));
    expect(fromWallTime({ ...base, year: 2024, month: 3, day: 0 }, 'utc')).toBe(Date.UTC(2024, 1, 29));
    // Two-digit years are years, not 19xx as with Date.UTC.
    expect(fromWallTime({ ...base, year: 24, month: 1, day: 1 }, 'utc')).toBe(new Date('0024-01-01T00:00:00Z').getTime());
  });

  it('knows month lengths', () => {
    expect([monthLength(2024, 2), monthLength(2023, 2), monthLength(1900, 2), monthLength(2000, 2), monthLength(2024, 4), monthLength(2024, 12)])
      .toEqual([29, 28, 28, 29, 30, 31]);
  });
});

describe('parseDateTime', () => {
  it.each<[string, string, number]>([
    ['2024-07-04', 'utc', Date.UTC(2024, 6, 4)],
    ['2024-07-04 21:05', 'utc', Date.UTC(2024, 6, 4, 21, 5)],
    ['2024-07-04T21:05:09.5Z', 'browser', Date.UTC(2024, 6, 4, 21, 5, 9, 500)],
    ['2024-07-04T21:05:09-0330', 'utc', Date.UTC(2024, 6, 5, 0, 35, 9)],
    ['2024-07-04 12:00:00', 'Europe/Berlin', Date.UTC(2024, 6, 4, 10)],
    ['2024-01-04 12:00:00', 'Europe/Berlin', Date.UTC(2024, 0, 4, 11)],
    ['20240704T210509', 'utc', Date.UTC(2024, 6, 4, 21, 5, 9)],
  ])('%s in %s', (text, tz, ms) => {
    expect(parseDateTime(text, tz)).toBe(ms);
  });

  it.each(['2024-7', '04/07/2024', '2024-02-30', '2024-01-01 24:00:00', 'now'])('rejects %s', (text) => {
    expect(parseDateTime(text, 'utc')).toBeNaN();
  });
});
