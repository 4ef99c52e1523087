// Wall-clock time in a dashboard time zone: `browser` (the viewer's zone), `utc`, or an IANA name
// such as `Europe/Berlin`. Date math, axis labels and date units all need the calendar fields of
// an instant in that zone, and the instant of calendar fields; this module converts both ways
// (through Intl, no library) and formats and parses the few date patterns dashboards use.

/** `browser`, `utc`, or an IANA zone name; empty means `browser`, as in Grafana. */
export type TimeZone = string;

/** Calendar fields of an instant; `month` is 1-12, `weekday` 0 (Sunday) - 6. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export interface ZonedTime extends WallTime {
  weekday: number;
}

type ZoneKind = { kind: 'browser' } | { kind: 'utc' } | { kind: 'iana'; format: Intl.DateTimeFormat };

const zoneCache = new Map<string, ZoneKind>();

function zoneOf(tz: TimeZone | undefined): ZoneKind {
  const key = tz ?? '';
  const cached = zoneCache.get(key);
  if (cached) return cached;
  const zone = resolveZone(key);
  zoneCache.set(key, zone);
  return zone;
}

function resolveZone(tz: string): ZoneKind {
  if (tz === '' || tz === 'browser') return { kind: 'browser' };
  if (tz.toLowerCase() === 'utc') return { kind: 'utc' };
  try {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    return { kind: 'iana', format };
  } catch {
    // An unknown zone name: show UTC rather than fail the whole dashboard.
    return { kind: 'utc' };
  }
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function positiveMod(n: number, m: number): number {
  return ((n % m) + m) % m;
}

/** The calendar fields of instant `ms` in `tz`. */
export function zonedTime(ms: number, tz?: TimeZone): ZonedTime {
  const zone = zoneOf(tz);
  if (zone.kind === 'iana') return ianaFields(ms, zone.format);
  const d = new Date(ms);
  const utc = zone.kind === 'utc';
  return {
    year: utc ? d.getUTCFullYear() : d.getFullYear(),
    month: (utc ? d.getUTCMonth() : d.getMonth()) + 1,
    day: utc ? d.getUTCDate() : d.getDate(),
    hour: utc ? d.getUTCHours() : d.getHours(),
    minute: utc ? d.getUTCMinutes() : d.getMinutes(),
    second: utc ? d.getUTCSeconds() : d.getSeconds(),
    millisecond: utc ? d.getUTCMilliseconds() : d.getMilliseconds(),
    weekday: utc ? d.getUTCDay() : d.getDay(),
  };
}

function ianaFields(ms: number, format: Intl.DateTimeFormat): ZonedTime {
  const parts: Record<string, string> = {};
  for (const p of format.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    millisecond: positiveMod(ms, 1000),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? 'Sun'),
  };
}

/** Date.UTC without its two-digit-year quirk; out-of-range fields roll over. */
function utcFromFields(w: WallTime): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, w.millisecond);
  return d.getTime();
}

/** Minutes east of UTC of `tz` at instant `ms`. */
export function utcOffsetMinutes(ms: number, tz?: TimeZone): number {
  const zone = zoneOf(tz);
  if (zone.kind === 'utc') return 0;
  if (zone.kind === 'browser') return -new Date(ms).getTimezoneOffset();
  return Math.round((utcFromFields(ianaFields(ms, zone.format)) - ms) / 60000);
}

/**
 * The instant whose wall time in `tz` is `w`. Fields may be out of range (day 32, month 0) and
 * roll over like `Date`, which keeps calendar arithmetic simple for callers.
 */
export function fromWallTime(w: WallTime, tz?: TimeZone): number {
  const zone = zoneOf(tz);
  if (zone.kind === 'utc') return utcFromFields(w);
  if (zone.kind === 'browser') {
    const d = new Date(0);
    d.setFullYear(w.year, w.month - 1, w.day);
    d.setHours(w.hour, w.minute, w.second, w.millisecond);
    return d.getTime();
  }
  const asUtc = utcFromFields(w);
  const first = asUtc - utcOffsetMinutes(asUtc, tz) * 60000;
  const second = asUtc - utcOffsetMinutes(first, tz) * 60000;
  return second;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number, width = 2): string {
  return String(Math.abs(n)).padStart(width, '0');
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

/** Tokens of moment-style patterns, longest first; `[...]` is literal text. */
const TOKEN =
  /\[([^\]]*)\]|YYYY|YY|Q|MMMM|MMM|MM|M|Do|DD|D|dddd|ddd|d|HH|H|hh|h|mm|m|ss|s|SSS|SS|S|A|a|ZZ|Z|X|x/g;

function tokenValue(token: string, t: ZonedTime, ms: number, tz?: TimeZone): string {
  const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  switch (token) {
    case 'YYYY': return pad(t.year, 4);
    case 'YY': return pad(t.year % 100);
    case 'Q': return String(Math.ceil(t.month / 3));
    case 'MMMM': return MONTHS[t.month - 1];
    case 'MMM': return MONTHS[t.month - 1].slice(0, 3);
    case 'MM': return pad(t.month);
    case 'M': return String(t.month);
    case 'Do': return ordinal(t.day);
    case 'DD': return pad(t.day);
    case 'D': return String(t.day);
    case 'dddd': return DAY_NAMES[t.weekday];
    case 'ddd': return DAY_NAMES[t.weekday].slice(0, 3);
    case 'd': return String(t.weekday);
    case 'HH': return pad(t.hour);
    case 'H': return String(t.hour);
    case 'hh': return pad(hour12);
    case 'h': return String(hour12);
    case 'mm': return pad(t.minute);
    case 'm': return String(t.minute);
    case 'ss': return pad(t.second);
    case 's': return String(t.second);
    case 'SSS': return pad(t.millisecond, 3);
    case 'SS': return pad(Math.floor(t.millisecond / 10));
    case 'S': return String(Math.floor(t.millisecond / 100));
    case 'A': return t.hour < 12 ? 'AM' : 'PM';
    case 'a': return t.hour < 12 ? 'am' : 'pm';
    case 'ZZ': return offsetText(utcOffsetMinutes(ms, tz), false);
    case 'Z': return offsetText(utcOffsetMinutes(ms, tz), true);
    case 'X': return String(Math.floor(ms / 1000));
    default: return String(ms); // 'x'
  }
}

/**
 * Formats instant `ms` in `tz` with a moment-style pattern (`YYYY-MM-DD HH:mm:ss`,
 * `MM/DD/YYYY h:mm:ss a`, `[at] HH:mm`...). Only the tokens dashboards use are known.
 */
export function formatDate(ms: number, pattern: string, tz?: TimeZone): string {
  if (!Number.isFinite(ms)) return 'Invalid date';
  const t = zonedTime(ms, tz);
  return pattern.replace(TOKEN, (token, literal: string | undefined) =>
    literal !== undefined ? literal : tokenValue(token, t, ms, tz),
  );
}

const DATE_TIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?$/;

function zoneOffsetMs(text: string): number {
  if (text.toUpperCase() === 'Z') return 0;
  const sign = text[0] === '-' ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60000;
}

function validWall(w: WallTime): boolean {
  return (
    w.month >= 1 && w.month <= 12 && w.day >= 1 && w.day <= monthLength(w.year, w.month) &&
    w.hour <= 23 && w.minute <= 59 && w.second <= 59
  );
}

/** Days in `month` (1-12) of `year`. */
export function monthLength(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses an absolute date: ISO 8601 (`2024-01-02T10:00:00Z`, with or without a zone),
 * `YYYY-MM-DD HH:mm:ss`, `YYYY-MM-DD`, or Grafana's URL form `YYYYMMDDTHHmmss`. Text without a
 * zone is wall time in `tz`. Returns NaN when the text is none of these.
 */
export function parseDateTime(text: string, tz?: TimeZone): number {
  const trimmed = text.trim();
  const m = DATE_TIME.exec(trimmed) ?? COMPACT.exec(trimmed);
  if (!m) return NaN;
  const fraction = m[7] ?? '';
  const wall: WallTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    millisecond: fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0,
  };
  if (!validWall(wall)) return NaN;
  const zone = m[8];
  if (zone) return utcFromFields(wall) - zoneOffsetMs(zone);
  return fromWallTime(wall, tz);
}
