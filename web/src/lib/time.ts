// Time ranges as Grafana's time picker shows them: parsing `{from: 'now-6h', to: 'now'}`,
// describing a range ("Last 6 hours", "Yesterday", "2024-01-02 10:00:00 to ..."), the quick
// ranges and refresh intervals, durations (`1h30m`), panel time shift, the query interval for a
// range and width (`$__interval`), and axis/tooltip time labels chosen by the range.

import { formatDate, type TimeZone } from './datetime';
import { applyDateMath, isRelativeTime, parseTime, type DateMathOptions } from './dateMath';
import { relativePhrase } from './unitFormats';

export { parseTime, isRelativeTime, applyDateMath, type DateMathOptions } from './dateMath';

/** A range as a dashboard stores it: date math strings or epoch ms. */
export interface RawTimeRange {
  from: string | number;
  to: string | number;
}

/** A resolved range in epoch ms. */
export interface TimeRange {
  from: number;
  to: number;
}

export interface QuickRange {
  from: string;
  to: string;
  display: string;
}

/** The time picker's quick ranges, in Grafana's order. */
export const quickRanges: readonly QuickRange[] = [
  { from: 'now-5m', to: 'now', display: 'Last 5 minutes' },
  { from: 'now-15m', to: 'now', display: 'Last 15 minutes' },
  { from: 'now-30m', to: 'now', display: 'Last 30 minutes' },
  { from: 'now-1h', to: 'now', display: 'Last 1 hour' },
  { from: 'now-3h', to: 'now', display: 'Last 3 hours' },
  { from: 'now-6h', to: 'now', display: 'Last 6 hours' },
  { from: 'now-12h', to: 'now', display: 'Last 12 hours' },
  { from: 'now-24h', to: 'now', display: 'Last 24 hours' },
  { from: 'now-2d', to: 'now', display: 'Last 2 days' },
  { from: 'now-7d', to: 'now', display: 'Last 7 days' },
  { from: 'now-30d', to: 'now', display: 'Last 30 days' },
  { from: 'now-90d', to: 'now', display: 'Last 90 days' },
  { from: 'now-6M', to: 'now', display: 'Last 6 months' },
  { from: 'now-1y', to: 'now', display: 'Last 1 year' },
  { from: 'now-2y', to: 'now', display: 'Last 2 years' },
  { from: 'now-5y', to: 'now', display: 'Last 5 years' },
  { from: 'now-1d/d', to: 'now-1d/d', display: 'Yesterday' },
  { from: 'now-2d/d', to: 'now-2d/d', display: 'Day before yesterday' },
  { from: 'now-7d/d', to: 'now-7d/d', display: 'This day last week' },
  { from: 'now-1w/w', to: 'now-1w/w', display: 'Previous week' },
  { from: 'now-1M/M', to: 'now-1M/M', display: 'Previous month' },
  { from: 'now-1Q/fQ', to: 'now-1Q/fQ', display: 'Previous fiscal quarter' },
  { from: 'now-1y/y', to: 'now-1y/y', display: 'Previous year' },
  { from: 'now-1y/fy', to: 'now-1y/fy', display: 'Previous fiscal year' },
  { from: 'now/d', to: 'now/d', display: 'Today' },
  { from: 'now/d', to: 'now', display: 'Today so far' },
  { from: 'now/w', to: 'now/w', display: 'This week' },
  { from: 'now/w', to: 'now', display: 'This week so far' },
  { from: 'now/M', to: 'now/M', display: 'This month' },
  { from: 'now/M', to: 'now', display: 'This month so far' },
  { from: 'now/y', to: 'now/y', display: 'This year' },
  { from: 'now/y', to: 'now', display: 'This year so far' },
  { from: 'now/fQ', to: 'now', display: 'This fiscal quarter so far' },
  { from: 'now/fQ', to: 'now/fQ', display: 'This fiscal quarter' },
  { from: 'now/fy', to: 'now', display: 'This fiscal year so far' },
  { from: 'now/fy', to: 'now/fy', display: 'This fiscal year' },
];

/** Resolves a raw range at `now`: `from` rounds down, `to` rounds up (`now/d` ends at 23:59:59.999). */
export function parseRange(range: RawTimeRange, now: number, opts: DateMathOptions = {}): TimeRange {
  return { from: parseTime(range.from, now, false, opts), to: parseTime(range.to, now, true, opts) };
}

const SPAN_NAMES: Record<string, string> = {
  s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', M: 'month', y: 'year',
};

/** `now-45m` -> `Last 45 minutes` (the first step only, as Grafana); null when not of that form. */
function describeLast(from: string): string | null {
  const m = /^now-(\d+)([smhdwMy])/.exec(from);
  if (!m) return null;
  const amount = Number(m[1]);
  return `Last ${amount} ${SPAN_NAMES[m[2]]}${amount > 1 ? 's' : ''}`;
}

const DISPLAY_FORMAT = 'YYYY-MM-DD HH:mm:ss';

function describeSide(side: string | number, roundUp: boolean, opts: DescribeOptions): string {
  const now = opts.now ?? Date.now();
  const ms = parseTime(side, now, roundUp, opts);
  if (isRelativeTime(side)) {
    const diff = ms - now;
    const phrase = relativePhrase(Math.abs(diff) / 1000);
    return diff > 0 ? `in ${phrase}` : `${phrase} ago`;
  }
  return Number.isNaN(ms) ? String(side) : formatDate(ms, DISPLAY_FORMAT, opts.timeZone);
}

export interface DescribeOptions extends DateMathOptions {
  /** For ranges that mix an absolute and a relative side. */
  now?: number;
}

/**
 * The picker's label of a range: a quick range's name, `Last N units` for `now-N... to now`,
 * `2024-01-02 10:00:00 to 2024-01-02 11:00:00` for absolute dates (in the dashboard zone), and
 * `... to a few seconds ago` when one side is relative.
 */
export function describeRange(range: RawTimeRange, opts: DescribeOptions = {}): string {
  const from = String(range.from).trim();
  const to = String(range.to).trim();
  const quick = quickRanges.find((q) => q.from === from && q.to === to);
  if (quick) return quick.display;
  if (to === 'now') {
    const last = describeLast(from);
    if (last) return last;
  }
  if (isRelativeTime(from) && isRelativeTime(to)) return `${from} to ${to}`;
  return `${describeSide(range.from, false, opts)} to ${describeSide(range.to, true, opts)}`;
}

const DURATION_UNIT_MS: Record<string, number> = {
  y: 31536000000, M: 2592000000, w: 604800000, d: 86400000, h: 3600000, m: 60000, s: 1000, ms: 1,
};

/**
 * Milliseconds of a duration: `1h30m`, `15s`, `500ms`, `1.5h`, `2w`, `-1d` (M = 30 days,
 * y = 365 days); a bare number is seconds, as in Grafana intervals. NaN when invalid.
 */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const m = /^(-?)((?:\d+(?:\.\d+)?(?:ms|[yMwdhms]))+)$/.exec(t);
  if (!m) return NaN;
  let total = 0;
  for (const part of m[2].matchAll(/(\d+(?:\.\d+)?)(ms|[yMwdhms])/g)) total += Number(part[1]) * DURATION_UNIT_MS[part[2]];
  return m[1] ? -total : total;
}

const FORMAT_UNITS: readonly (readonly [string, number])[] = [
  ['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000], ['ms', 1],
];

/** A duration as compact text that parseDuration reads back: `1h30m`, `2d`, `500ms`, `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  let rest = Math.round(Math.abs(ms));
  let text = '';
  for (const [unit, size] of FORMAT_UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return `${ms < 0 ? '-' : ''}${text || '0s'}`;
}

/**
 * A panel's time shift (`1d`, `2h`, `1M`) moves both ends back by that much, calendar-aware
 * (with `/d` style rounding allowed). An invalid shift leaves the range as it was.
 */
export function shiftRange(range: TimeRange, shift: string, opts: DateMathOptions = {}): TimeRange {
  const math = `-${shift.trim().replace(/^-/, '')}`;
  const from = applyDateMath(range.from, math, false, opts);
  const to = applyDateMath(range.to, math, true, opts);
  return Number.isNaN(from) || Number.isNaN(to) ? range : { from, to };
}

/** Grafana's nice interval steps: [below this raw interval, use this step], in ms. */
const NICE_STEPS: readonly (readonly [number, number])[] = [
  [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1500, 1000], [3500, 2000],
  [7500, 5000], [12500, 10000], [17500, 15000], [25000, 20000], [45000, 30000], [90000, 60000],
  [210000, 120000], [450000, 300000], [750000, 600000], [1050000, 900000], [1500000, 1200000],
  [2700000, 1800000], [5400000, 3600000], [9000000, 7200000], [16200000, 10800000],
  [32400000, 21600000], [86400000, 43200000], [604800000, 86400000], [1814400000, 604800000],
  [3628800000, 2592000000],
];

/** Rounds a raw interval to the nice step Grafana would use (10ms, 20ms, ... 1s, 2s, 5s, 10s, 15s...). */
export function roundInterval(ms: number): number {
  return NICE_STEPS.find(([below]) => ms < below)?.[1] ?? 31536000000;
}

/**
 * Grafana's interval text: the largest whole unit only (y, d, h, m, s, ms), so 90 s reads `1m`
 * as it does in Grafana's `$__interval`.
 */
export function intervalText(ms: number): string {
  const units: readonly (readonly [string, number])[] = [
    ['y', 31536000000], ['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000], ['ms', 1],
  ];
  for (const [unit, size] of units) {
    const count = Math.floor(ms / size);
    if (count >= 1) return `${count}${unit}`;
  }
  return 'less than a millisecond';
}

/**
 * The query interval for a range drawn with `maxDataPoints` points: range / points rounded to a
 * nice step, never below `minInterval` (`10s`, or `>10s` as panels write it).
 */
export function calculateInterval(
  rangeMs: number,
  maxDataPoints: number,
  minInterval?: string,
): { intervalMs: number; interval: string } {
  const lowLimit = minInterval ? parseDuration(minInterval.replace(/^>/, '')) : NaN;
  let intervalMs = roundInterval(rangeMs / Math.max(1, maxDataPoints));
  if (lowLimit > intervalMs) intervalMs = lowLimit;
  return { intervalMs, interval: intervalText(intervalMs) };
}

/**
 * The time-axis label pattern for a range split into about `ticks` ticks, as Grafana's graph
 * chooses: seconds for short ranges, `HH:mm` up to a day, dates with time, dates, months.
 */
export function timeAxisFormat(rangeMs: number, ticks = 10): string {
  const secPerTick = rangeMs / Math.max(1, ticks) / 1000;
  if (secPerTick <= 45) return 'HH:mm:ss';
  if (secPerTick <= 7200 || rangeMs <= 86400000) return 'HH:mm';
  if (secPerTick <= 80000) return 'MM/DD HH:mm';
  if (secPerTick <= 2419200 || rangeMs <= 31536000000) return 'MM/DD';
  return 'YYYY-MM';
}

/** A time-axis label for `ms`, its pattern chosen by the visible range. */
export function formatTime(ms: number, tz: TimeZone, rangeMs: number, ticks?: number): string {
  return formatDate(ms, timeAxisFormat(rangeMs, ticks), tz);
}

/** A tooltip's time: the full `YYYY-MM-DD HH:mm:ss` (with `.SSS` when the point has ms). */
export function formatTooltipTime(ms: number, tz: TimeZone): string {
  return formatDate(ms, ms % 1000 === 0 ? DISPLAY_FORMAT : `${DISPLAY_FORMAT}.SSS`, tz);
}

/** The refresh picker's intervals. */
export const refreshIntervals: readonly string[] = ['5s', '10s', '30s', '1m', '5m', '15m', '30m', '1h', '2h', '1d'];

/**
 * Milliseconds of a dashboard's `refresh`; null when off (`''`, `false`, `off`) or invalid.
 * Faster than `minInterval` (the server's min_refresh_interval, 5s) is raised to it.
 */
export function parseRefresh(refresh: string | false | null | undefined, minInterval = '5s'): number | null {
  if (!refresh || refresh === 'off') return null;
  const ms = parseDuration(refresh);
  if (!Number.isFinite(ms) || ms <= 0) return null;
  const min = parseDuration(minInterval);
  return Number.isFinite(min) && ms < min ? min : ms;
}
