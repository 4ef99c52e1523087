// Table tests of date math, range descriptions, durations, time shift, query intervals, axis labels
// and refresh parsing, in fixed time zones so they pass anywhere.

import { describe, expect, it } from 'vitest';
import {
  calculateInterval, describeRange, formatDuration, formatTime, formatTooltipTime, parseDuration,
  parseRange, parseRefresh, parseTime, quickRanges, refreshIntervals, roundInterval, shiftRange, timeAxisFormat,
} from './time';

const utc = { timeZone: 'utc' };
// Wednesday 2024-01-10 15:30:45.123 UTC
const NOW = Date.UTC(2024, 0, 10, 15, 30, 45, 123);
const at = (...p: [number, number, number, number?, number?, number?, number?]) =>
  Date.UTC(p[0], p[1] - 1, p[2], p[3] ?? 0, p[4] ?? 0, p[5] ?? 0, p[6] ?? 0);

describe('parseTime', () => {
  it.each<[string, boolean, number]>([
    ['now', false, NOW],
    ['now-15m', false, NOW - 15 * 60000],
    ['now-2h-30m', false, NOW - 150 * 60000],
    ['now+1h', false, NOW + 3600000],
    ['now-1d/d', false, at(2024, 1, 9)],
    ['now-1d/d', true, at(2024, 1, 9, 23, 59, 59, 999)],
    ['now/d', false, at(2024, 1, 10)],
    ['now/d', true, at(2024, 1, 10, 23, 59, 59, 999)],
    ['now/w', false, at(2024, 1, 7)],
    ['now/w', true, at(2024, 1, 13, 23, 59, 59, 999)],
    ['now-1w/w', false, at(2023, 12, 31)],
    ['now/M', false, at(2024, 1, 1)],
    ['now/M', true, at(2024, 1, 31, 23, 59, 59, 999)],
    ['now-1M/M', false, at(2023, 12, 1)],
    ['now/y', false, at(2024, 1, 1)],
    ['now-1y', false, at(2023, 1, 10, 15, 30, 45, 123)],
    ['now/Q', false, at(2024, 1, 1)],
    ['now-1Q/fQ', true, at(2023, 12, 31, 23, 59, 59, 999)],
    ['now/h', false, at(2024, 1, 10, 15)],
    ['now/m', true, at(2024, 1, 10, 15, 30, 59, 999)],
    ['now-d', false, NOW - 86400000],
    ['1704189600000', false, 1704189600000],
    ['20240102', false, at(2024, 1, 2)],
    ['2024-01-02 10:00:00', false, at(2024, 1, 2, 10)],
    ['2024-01-02T10:00:00Z', false, at(2024, 1, 2, 10)],
    ['2024-01-02T10:00:00+02:00', false, at(2024, 1, 2, 8)],
    ['2024-01-02T10:00:00.250Z', false, at(2024, 1, 2, 10, 0, 0, 250)],
    ['20240102T100000', false, at(2024, 1, 2, 10)],
    ['2024-01-02||+1d', false, at(2024, 1, 3)],
  ])('%s (roundUp %s)', (text, roundUp, expected) => {
    expect(parseTime(text, NOW, roundUp, utc)).toBe(expected);
  });

  it.each(['now-', 'now/2d', 'now-1x', 'nowish', 'yesterday', '2024-13-01', '2024-02-30', ''])('%s is invalid', (text) => {
    expect(parseTime(text, NOW, false, utc)).toBeNaN();
  });

  it('clamps month arithmetic to the month end, as moment', () => {
    expect(parseTime('2024-01-31||+1M', NOW, false, utc)).toBe(at(2024, 2, 29));
    expect(parseTime('2024-03-31||-1M', NOW, false, utc)).toBe(at(2024, 2, 29));
  });

  it('rounds in the dashboard time zone, across DST', () => {
    const ny = { timeZone: 'America/New_York' };
    // 15:30 UTC is 10:30 in New York (EST, UTC-5): midnight there is 05:00 UTC.
    expect(parseTime('now/d', NOW, false, ny)).toBe(at(2024, 1, 10, 5));
    // 2024-03-10 is 23 hours long in New York.
    const afterDst = at(2024, 3, 11, 12);
    expect(parseTime('now-1d/d', afterDst, false, ny)).toBe(at(2024, 3, 10, 5));
    expect(parseTime('now-1d/d', afterDst, true, ny)).toBe(at(2024, 3, 11, 4) - 1);
    expect(parseTime('now/d', NOW, false, { timeZone: 'Asia/Kolkata' })).toBe(at(2024, 1, 9, 18, 30));
  });

  it('honours week start and fiscal year', () => {
    expect(parseTime('now/w', NOW, false, { ...utc, weekStart: 1 })).toBe(at(2024, 1, 8));
    expect(parseTime('now/fy', NOW, false, { ...utc, fiscalYearStartMonth: 3 })).toBe(at(2023, 4, 1));
    expect(parseTime('now/fQ', NOW, false, { ...utc, fiscalYearStartMonth: 1 })).toBe(at(2023, 11, 1));
  });

  it('uses the browser zone by default', () => {
    const local = new Date(NOW);
    local.setHours(0, 0, 0, 0);
    expect(parseTime('now/d', NOW, false)).toBe(local.getTime());
  });
});

describe('parseRange', () => {
  it('rounds from down and to up', () => {
    expect(parseRange({ from: 'now-1d/d', to: 'now-1d/d' }, NOW, utc)).toEqual({
      from: at(2024, 1, 9),
      to: at(2024, 1, 9, 23, 59, 59, 999),
    });
    expect(parseRange({ from: 1000, to: 'now' }, NOW, utc)).toEqual({ from: 1000, to: NOW });
  });
});

describe('describeRange', () => {
  it.each<[string | number, string | number, string]>([
    ['now-15m', 'now', 'Last 15 minutes'],
    ['now-1h', 'now', 'Last 1 hour'],
    ['now-45m', 'now', 'Last 45 minutes'],
    ['now-1m', 'now', 'Last 1 minute'],
    ['now-3M', 'now', 'Last 3 months'],
    ['now/d', 'now/d', 'Today'],
    ['now/d', 'now', 'Today so far'],
    ['now-1d/d', 'now-1d/d', 'Yesterday'],
    ['now/w', 'now/w', 'This week'],
    ['now-1w/w', 'now-1w/w', 'Previous week'],
    ['now-2h', 'now-1h', 'now-2h to now-1h'],
    ['2024-01-02 10:00:00', '2024-01-02 11:00:00', '2024-01-02 10:00:00 to 2024-01-02 11:00:00'],
    [at(2024, 1, 2, 10), at(2024, 1, 2, 11), '2024-01-02 10:00:00 to 2024-01-02 11:00:00'],
    [String(at(2024, 1, 2, 10)), 'now', '2024-01-02 10:00:00 to a few seconds ago'],
  ])('%s to %s -> %s', (from, to, text) => {
    expect(describeRange({ from, to }, { ...utc, now: NOW })).toBe(text);
  });

  it('lists every quick range once, starting with the Last ranges', () => {
    expect(quickRanges[0]).toEqual({ from: 'now-5m', to: 'now', display: 'Last 5 minutes' });
    const keys = quickRanges.map((q) => `${q.from} to ${q.to}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const q of quickRanges) expect(Number.isNaN(parseTime(q.from, NOW, false, utc))).toBe(false);
  });
});

describe('durations', () => {
  it.each<[string, number]>([
    ['1h30m', 5400000],
    ['15s', 15000],
    ['500ms', 500],
    ['1.5h', 5400000],
    ['2w', 1209600000],
    ['1d', 86400000],
    ['1M', 2592000000],
    ['1y', 31536000000],
    ['-1d', -86400000],
    ['30', 30000],
    ['1m30s', 90000],
  ])('parseDuration(%s) = %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '1x', '1h 30m', 'h1'])('parseDuration(%j) is NaN', (text) => {
    expect(parseDuration(text)).toBeNaN();
  });

  it.each<[number, string]>([
    [5400000, '1h30m'],
    [0, '0s'],
    [500, '500ms'],
    [90061001, '1d1h1m1s1ms'],
    [-60000, '-1m'],
  ])('formatDuration(%s) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('shiftRange', () => {
  const range = { from: at(2024, 1, 10, 10), to: at(2024, 1, 10, 11) };
  it('moves both ends back', () => {
    expect(shiftRange(range, '1d', utc)).toEqual({ from: at(2024, 1, 9, 10), to: at(2024, 1, 9, 11) });
    expect(shiftRange(range, '2h', utc)).toEqual({ from: at(2024, 1, 10, 8), to: at(2024, 1, 10, 9) });
    expect(shiftRange(range, '1M', utc)).toEqual({ from: at(2023, 12, 10, 10), to: at(2023, 12, 10, 11) });
  });
  it('keeps the range on an invalid shift', () => {
    expect(shiftRange(range, 'soon', utc)).toBe(range);
  });
});

describe('calculateInterval', () => {
  it.each<[number, number, string | undefined, number, string]>([
    [3600000, 1000, undefined, 5000, '5s'],
    [3600000, 100, undefined, 30000, '30s'],
    [6 * 3600000, 1000, undefined, 20000, '20s'],
    [86400000, 1000, undefined, 60000, '1m'],
    [7 * 86400000, 1000, undefined, 600000, '10m'],
    [30 * 86400000, 1000, undefined, 1800000, '30m'],
    [30 * 86400000, 100, undefined, 21600000, '6h'],
    [60000, 1000, undefined, 50, '50ms'],
    [1000, 1000, undefined, 10, '10ms'],
    [3600000, 1000, '15s', 15000, '15s'],
    [3600000, 1000, '>1m', 60000, '1m'],
    [3600000, 1000, '90s', 90000, '1m'],
    [365 * 86400000, 10, undefined, 2592000000, '30d'],
    [365 * 86400000, 2, undefined, 31536000000, '1y'],
  ])('range %s / %s points (min %s) -> %s', (range, points, min, ms, text) => {
    expect(calculateInterval(range, points, min)).toEqual({ intervalMs: ms, interval: text });
  });

  it('rounds to nice steps', () => {
    expect([roundInterval(1), roundInterval(12000), roundInterval(16000), roundInterval(100000)]).toEqual([10, 10000, 15000, 120000]);
  });
});

describe('formatTime', () => {
  const t = at(2024, 1, 2, 10, 3, 4);
  it.each<[number, string, string]>([
    [5 * 60000, 'HH:mm:ss', '10:03:04'],
    [3600000, 'HH:mm', '10:03'],
    [86400000, 'HH:mm', '10:03'],
    [7 * 86400000, 'MM/DD HH:mm', '01/02 10:03'],
    [60 * 86400000, 'MM/DD', '01/02'],
    [3 * 365 * 86400000, 'YYYY-MM', '2024-01'],
  ])('range %s -> %s', (range, pattern, text) => {
    expect(timeAxisFormat(range)).toBe(pattern);
    expect(formatTime(t, 'utc', range)).toBe(text);
  });

  it('formats in the given zone', () => {
    expect(formatTime(t, 'Asia/Tokyo', 3600000)).toBe('19:03');
    expect(formatTooltipTime(t, 'utc')).toBe('2024-01-02 10:03:04');
    expect(formatTooltipTime(t + 5, 'utc')).toBe('2024-01-02 10:03:04.005');
  });
});

describe('refresh', () => {
  it('lists Grafana refresh intervals', () => {
    expect(refreshIntervals).toEqual(['5s', '10s', '30s', '1m', '5m', '15m', '30m', '1h', '2h', '1d']);
  });
  it.each<[string | false | undefined, number | null]>([
    ['5s', 5000],
    ['1m', 60000],
    ['1d', 86400000],
    ['1s', 5000],
    ['', null],
    [false, null],
    [undefined, null],
    ['off', null],
    ['bogus', null],
  ])('parseRefresh(%j) = %s', (value, ms) => {
    expect(parseRefresh(value)).toBe(ms);
  });
});
