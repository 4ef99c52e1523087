// The building blocks of value units: number rounding with Grafana's automatic decimals, and the
// formatter families every unit is made of (fixed suffix, 1000- or 1024-scaled prefixes, time
// units that climb from ms to years, durations, clocks, currencies, dates). `units.ts` names the
// concrete units; this file only knows how each family turns a number into text.

import { formatDate, zonedTime, type TimeZone } from './datetime';

/** A formatted number, split so a panel can style the unit apart from the digits. */
export interface FormattedValue {
  text: string;
  prefix?: string;
  suffix?: string;
}

/** Fixed decimals, or null/undefined for automatic. */
export type DecimalCount = number | null | undefined;

/** What date units need to know besides the number. */
export interface FormatContext {
  timeZone?: TimeZone;
  /** "Now" for relative dates (`dateTimeFromNow`); defaults to the clock. */
  now?: number;
}

export type ValueFormatter = (value: number, decimals: DecimalCount, ctx: FormatContext) => FormattedValue;

/**
 * Grafana's automatic decimals: about three significant digits for fractional numbers
 * (1.5 -> 2, 12.3 -> 1, 0.0123 -> 4), none for integers and for numbers of 100 or more.
 */
export function autoDecimals(value: number): number {
  if (value % 1 === 0 || !Number.isFinite(value)) return 0;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  return Math.max(0, 2 - magnitude);
}

/** `value` rounded to `decimals` (automatic when null) and padded with zeros to that many. */
export function toFixed(value: number, decimals?: DecimalCount): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '-∞';
  const places = Math.min(20, Math.max(0, Math.floor(decimals ?? autoDecimals(value))));
  const factor = 10 ** places;
  const rounded = Math.round(value * factor) / factor;
  const text = String(rounded);
  if (text.includes('e')) return text;
  const dot = text.indexOf('.');
  const have = dot === -1 ? 0 : text.length - dot - 1;
  if (have >= places) return text;
  return (dot === -1 ? `${text}.` : text) + '0'.repeat(places - have);
}

/** The number alone, or with `unit` after a space (before it, unspaced, when `asPrefix`). */
export function fixedUnit(unit: string, asPrefix = false): ValueFormatter {
  return (value, decimals) => {
    const text = toFixed(value, decimals);
    if (!unit) return { text };
    return asPrefix ? { text, prefix: unit } : { text, suffix: ` ${unit}` };
  };
}

/** The number with a unit glued on (no space), as `%` is. */
export function gluedUnit(unit: string, multiplier = 1): ValueFormatter {
  return (value, decimals) => ({ text: toFixed(value * multiplier, decimals), suffix: unit });
}

/** floor(log_factor(|value|)), exact at powers of the factor. */
function powerOf(value: number, factor: number): number {
  const abs = Math.abs(value);
  let power = Math.floor(Math.log10(abs) / Math.log10(factor));
  if (factor ** (power + 1) <= abs) power += 1;
  if (factor ** power > abs) power -= 1;
  return power;
}

/**
 * Divides by `factor` until the number fits the next suffix: `suffixes[offset]` is the unit of
 * the raw number (offset > 0 lets small numbers take smaller prefixes, as milli- for SI).
 */
export function scaled(factor: number, suffixes: readonly string[], offset = 0): ValueFormatter {
  return (value, decimals) => {
    if (!Number.isFinite(value)) return { text: toFixed(value, decimals) };
    const power = value === 0 ? 0 : powerOf(value, factor);
    const index = Math.min(suffixes.length - 1, Math.max(0, offset + power));
    return { text: toFixed(value / factor ** (index - offset), decimals), suffix: suffixes[index] };
  };
}

const SI_PREFIXES = ['f', 'p', 'n', 'µ', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SI_BASE = SI_PREFIXES.indexOf('');

/** SI prefixes (m, k, M, ...) before `unit`; `offset` is the prefix of the raw number (k = 1). */
export function siPrefix(unit: string, offset = 0): ValueFormatter {
  return scaled(1000, SI_PREFIXES.map((p) => ` ${p}${unit}`), SI_BASE + offset);
}

/** The offset of an SI prefix letter (`k` -> 1, `m` -> -1), 0 when `c` is none. */
export function siOffset(c: string): number {
  const index = SI_PREFIXES.indexOf(c === 'μ' ? 'µ' : c);
  return c === '' || index === -1 ? 0 : index - SI_BASE;
}

const IEC_PREFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];

/** Powers of 1024 (Ki, Mi, ...) before `unit`; the raw number is in `IEC_PREFIXES[offset]`. */
export function binaryPrefix(unit: string, offset = 0): ValueFormatter {
  return scaled(1024, IEC_PREFIXES.slice(offset).map((p) => ` ${p}${unit}`));
}

const COUNT_SUFFIXES = ['', 'K', 'M', 'B', 'T'];
const countScaler = scaled(1000, COUNT_SUFFIXES);

/** Thousands as K, M, B, T followed by a symbol: `1.50K req/s`. */
export function countUnit(symbol: string): ValueFormatter {
  return (value, decimals, ctx) => {
    const v = countScaler(value, decimals, ctx);
    return { ...v, suffix: `${v.suffix ?? ''} ${symbol}` };
  };
}

/** Money: `$1.50K`, `-$5`; `asSuffix` puts the symbol after (`5kr`). */
export function currency(symbol: string, asSuffix = false): ValueFormatter {
  return (value, decimals, ctx) => {
    const v = countScaler(Math.abs(value), decimals, ctx);
    const sign = value < 0 ? '-' : '';
    if (asSuffix) return { text: v.text, prefix: sign || undefined, suffix: `${v.suffix ?? ''}${symbol}` };
    return { text: v.text, prefix: `${sign}${symbol}`, suffix: v.suffix || undefined };
  };
}

/** One rung of a time unit's ladder: below `limit`, divide by `divisor` and show `suffix`. */
type TimeStep = readonly [limit: number, divisor: number, suffix: string];

function scaleBy(value: number, divisor: number): number {
  return divisor < 1 ? value * Math.round(1 / divisor) : value / divisor;
}

/** A time unit that climbs (or descends) to the unit that fits: 90 s -> `1.50 min`. */
export function timeLadder(steps: readonly TimeStep[], last: readonly [number, string], zero?: string): ValueFormatter {
  return (value, decimals) => {
    if (value === 0 && zero) return { text: '0', suffix: zero };
    const abs = Math.abs(value);
    const step = steps.find(([limit]) => abs < limit);
    const [divisor, suffix] = step ? [step[1], step[2]] : last;
    return { text: toFixed(scaleBy(value, divisor), decimals), suffix };
  };
}

const DURATION_UNITS: readonly (readonly [string, number])[] = [
  ['year', 31536000000],
  ['month', 2592000000],
  ['week', 604800000],
  ['day', 86400000],
  ['hour', 3600000],
  ['minute', 60000],
  ['second', 1000],
  ['millisecond', 1],
];

/**
 * Grafana's `duration` units: the largest unit that fits, then one more unit per decimal
 * (`decimals` 0 or auto: `1 hour`; 1: `1 hour, 2 minutes`). Negative values end in ` ago`.
 */
export function duration(unitMs: number, unitName: string): ValueFormatter {
  const format: ValueFormatter = (value, decimals, ctx) => {
    if (value === 0) return { text: '0', suffix: ` ${unitName}s` };
    if (value < 0) {
      const v = format(-value, decimals, ctx);
      return { ...v, suffix: `${v.suffix ?? ''} ago` };
    }
    return { text: durationParts(value * unitMs, decimals ?? 0).join(', ') };
  };
  return format;
}

function durationParts(ms: number, decimals: number): string[] {
  const parts: string[] = [];
  let rest = ms;
  for (const [name, size] of DURATION_UNITS) {
    if (parts.length > decimals) break;
    const count = rest / size;
    if (count < 1 && parts.length === 0) continue;
    const whole = Math.floor(count);
    parts.push(`${whole} ${name}${whole === 1 ? '' : 's'}`);
    rest %= size;
  }
  return parts;
}

function twoDigits(n: number): string {
  return n > 9 ? String(n) : `0${n}`;
}

/** `hh:mm:ss` of a number of seconds (hours may pass 24); `withDays` shows `1 d 01:02:03`. */
export function hoursMinutesSeconds(withDays: boolean): ValueFormatter {
  const format: ValueFormatter = (value, decimals, ctx) => {
    if (value < 0) {
      const v = format(-value, decimals, ctx);
      return { ...v, suffix: ' ago' };
    }
    const days = withDays ? Math.floor(value / 86400) : 0;
    const rest = value - days * 86400;
    const hms = [Math.floor(rest / 3600), Math.floor((rest % 3600) / 60), Math.floor(rest % 60)];
    const text = hms.map(twoDigits).join(':');
    return { text: days > 0 ? `${days} d ${text}` : text };
  };
  return format;
}

/**
 * Grafana's `clock` units: `05s:000ms`, `02m:03s:000ms`, `01h:02m:03s:000ms`; fewer decimals
 * drop the smaller fields.
 */
export function clock(unitMs: number): ValueFormatter {
  return (value, decimals) => {
    const ms = value * unitMs;
    const parts = clockParts(ms);
    const fields = [`${parts.h}h`, `${parts.m}m`, `${parts.s}s`, `${parts.ms}ms`];
    if (ms < 1000) return { text: fields[3] };
    const first = ms < 60000 ? 2 : ms < 3600000 ? 1 : 0;
    const count = decimals === null || decimals === undefined ? 4 - first : Math.min(4 - first, decimals + 1);
    return { text: fields.slice(first, first + Math.max(1, count)).join(':') };
  };
}

function clockParts(ms: number): { h: string; m: string; s: string; ms: string } {
  const total = Math.floor(ms);
  return {
    h: twoDigits(Math.floor(total / 3600000)),
    m: twoDigits(Math.floor(total / 60000) % 60),
    s: twoDigits(Math.floor(total / 1000) % 60),
    ms: String(total % 1000).padStart(3, '0'),
  };
}

/** An epoch-ms value as a date in the dashboard's zone. */
export function dateTimeUnit(pattern: string, todayPattern?: string): ValueFormatter {
  return (value, _decimals, ctx) => {
    const useToday = todayPattern !== undefined && sameDay(value, ctx.now ?? Date.now(), ctx.timeZone);
    return { text: formatDate(value, useToday ? todayPattern : pattern, ctx.timeZone) };
  };
}

function sameDay(a: number, b: number, tz?: TimeZone): boolean {
  const x = zonedTime(a, tz);
  const y = zonedTime(b, tz);
  return x.year === y.year && x.month === y.month && x.day === y.day;
}

/** An epoch-ms value in the viewer's locale format. */
export const localeDateTime: ValueFormatter = (value, _decimals, ctx) => {
  const tz = ctx.timeZone && ctx.timeZone !== 'browser' ? ctx.timeZone.replace(/^utc$/i, 'UTC') : undefined;
  return { text: new Date(value).toLocaleString(undefined, { timeZone: tz }) };
};

/** Relative time as moment's `fromNow`: `a few seconds ago`, `5 minutes ago`, `in 2 hours`. */
export const fromNow: ValueFormatter = (value, _decimals, ctx) => {
  const diff = value - (ctx.now ?? Date.now());
  const phrase = relativePhrase(Math.abs(diff) / 1000);
  return { text: diff > 0 ? `in ${phrase}` : `${phrase} ago` };
};

/** moment's relative-time wording and thresholds (each unit rounded), for a span in seconds. */
export function relativePhrase(seconds: number): string {
  const days = Math.round(seconds / 86400);
  const months = Math.round(((seconds / 86400) * 4800) / 146097);
  const rungs: readonly (readonly [number, number, string, string])[] = [
    [Math.round(seconds / 60), 45, 'a minute', 'minutes'],
    [Math.round(seconds / 3600), 22, 'an hour', 'hours'],
    [days, 26, 'a day', 'days'],
    [months, 11, 'a month', 'months'],
  ];
  if (Math.round(seconds) <= 44) return 'a few seconds';
  for (const [count, limit, one, many] of rungs) {
    if (count <= 1) return one;
    if (count < limit) return `${count} ${many}`;
  }
  const years = Math.round(((seconds / 86400) * 400) / 146097);
  return years <= 1 ? 'a year' : `${years} years`;
}

/** True/false words for a number (zero is false). */
export function booleanUnit(yes: string, no: string): ValueFormatter {
  return (value) => ({ text: value ? yes : no });
}

/** Hexadecimal of the rounded number, upper case; `prefix` `0x` gives `0xFF` (`-0xFF`). */
export function hexUnit(prefix: string): ValueFormatter {
  return (value, decimals) => {
    const hex = parseFloat(toFixed(value, decimals ?? 0)).toString(16).toUpperCase();
    return { text: hex.startsWith('-') ? `-${prefix}${hex.slice(1)}` : `${prefix}${hex}` };
  };
}

/** Scientific notation: `1.23e+4`; automatic decimals keep every digit. */
export const scientific: ValueFormatter = (value, decimals) => ({
  text: value.toExponential(decimals === null || decimals === undefined ? undefined : Math.min(100, Math.max(0, decimals))),
});

/** Digit grouping of the viewer's locale: `1,234,567.5`. */
export const localeNumber: ValueFormatter = (value, decimals) => ({
  text: value.toLocaleString(undefined, {
    maximumFractionDigits: decimals === null || decimals === undefined ? undefined : Math.min(20, Math.max(0, decimals)),
  }),
});
