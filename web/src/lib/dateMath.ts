// Grafana's date math on wall-clock time: `now-15m`, `now-1d/d`, `now/w`, `now-1Q/fQ`, and
// `2024-01-02||+1d`. Calendar units (years, quarters, months, weeks, days) move the wall clock in
// the dashboard time zone, so `now-1d/d` is yesterday's midnight there, across DST changes too.

import { fromWallTime, monthLength, parseDateTime, zonedTime, type TimeZone, type WallTime } from './datetime';

/** How date math reads calendars. */
export interface DateMathOptions {
  /** Dashboard time zone; `browser` by default. */
  timeZone?: TimeZone;
  /** First day of the week, 0 = Sunday (moment's `en` default), 1 = Monday, 6 = Saturday. */
  weekStart?: number;
  /** First month of the fiscal year, 0 = January. */
  fiscalYearStartMonth?: number;
}

/** The date math units, as Grafana spells them. */
export type DateUnit = 'y' | 'Q' | 'M' | 'w' | 'd' | 'h' | 'm' | 's';

const UNITS = new Set<string>(['y', 'Q', 'M', 'w', 'd', 'h', 'm', 's']);
const EXACT_MS: Record<string, number> = { h: 3600000, m: 60000, s: 1000 };

/** Moves `ms` by `amount` units; calendar units keep the wall-clock time of day. */
export function addUnits(ms: number, amount: number, unit: DateUnit, opts: DateMathOptions = {}): number {
  if (EXACT_MS[unit]) return ms + amount * EXACT_MS[unit];
  const w = zonedTime(ms, opts.timeZone);
  if (unit === 'd' || unit === 'w') return fromWallTime({ ...w, day: w.day + amount * (unit === 'w' ? 7 : 1) }, opts.timeZone);
  const months = amount * (unit === 'y' ? 12 : unit === 'Q' ? 3 : 1);
  const index = w.year * 12 + (w.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  // As moment does, Jan 31 + 1 month is the last day of February.
  return fromWallTime({ ...w, year, month, day: Math.min(w.day, monthLength(year, month)) }, opts.timeZone);
}

function startOfWall(w: WallTime & { weekday: number }, unit: DateUnit, fiscal: boolean, opts: DateMathOptions): WallTime {
  const zero = { hour: 0, minute: 0, second: 0, millisecond: 0 };
  const fiscalStart = fiscal ? (opts.fiscalYearStartMonth ?? 0) : 0;
  switch (unit) {
    case 'y': {
      const year = w.month - 1 >= fiscalStart ? w.year : w.year - 1;
      return { ...zero, year, month: fiscalStart + 1, day: 1 };
    }
    case 'Q': {
      const offset = (w.month - 1 - fiscalStart + 12) % 12;
      return { ...zero, year: w.year, month: w.month - (offset % 3), day: 1 };
    }
    case 'M': return { ...zero, year: w.year, month: w.month, day: 1 };
    case 'w': {
      const back = (w.weekday - (opts.weekStart ?? 0) + 7) % 7;
      return { ...zero, year: w.year, month: w.month, day: w.day - back };
    }
    case 'd': return { ...zero, year: w.year, month: w.month, day: w.day };
    case 'h': return { ...w, minute: 0, second: 0, millisecond: 0 };
    case 'm': return { ...w, second: 0, millisecond: 0 };
    default: return { ...w, millisecond: 0 };
  }
}

/** The first (or with `roundUp`, last) millisecond of the `unit` that holds `ms`. */
export function roundTo(ms: number, unit: DateUnit, roundUp: boolean, opts: DateMathOptions = {}, fiscal = false): number {
  const start = fromWallTime(startOfWall(zonedTime(ms, opts.timeZone), unit, fiscal, opts), opts.timeZone);
  if (!roundUp) return start;
  return addUnits(start, 1, unit, opts) - 1;
}

const OPERATION = /^([/+-])(\d*)(f?)([yQMwdhms])/;

/**
 * Applies a math string (`-1d/d`, `+2h`, `/w`) to `ms`; NaN when it does not parse. Rounding
 * (`/unit`) goes to the unit's start, or its end when `roundUp` (the `to` side of a range).
 */
export function applyDateMath(ms: number, math: string, roundUp: boolean, opts: DateMathOptions = {}): number {
  let rest = math.trim();
  let time = ms;
  while (rest) {
    const m = OPERATION.exec(rest);
    if (!m || !UNITS.has(m[4])) return NaN;
    const [whole, op, digits, fiscal, unit] = m;
    if (op === '/') {
      if (digits) return NaN;
      time = roundTo(time, unit as DateUnit, roundUp, opts, fiscal === 'f');
    } else {
      const amount = digits ? Number(digits) : 1;
      time = addUnits(time, op === '-' ? -amount : amount, unit as DateUnit, opts);
    }
    rest = rest.slice(whole.length);
  }
  return time;
}

/**
 * Parses a time as a dashboard holds it: `now` with math, an epoch in ms (`1704189600000`),
 * `YYYYMMDD`, an absolute date (ISO, `YYYY-MM-DD HH:mm:ss`), or `date||math`. NaN when invalid.
 */
export function parseTime(text: string | number, now: number, roundUp: boolean, opts: DateMathOptions = {}): number {
  if (typeof text === 'number') return text;
  const t = text.trim();
  if (t.startsWith('now')) return applyDateMath(now, t.slice(3), roundUp, opts);
  if (/^\d{8}$/.test(t)) return parseDateTime(t, opts.timeZone);
  if (/^-?\d+$/.test(t)) return Number(t);
  const anchor = t.indexOf('||');
  if (anchor !== -1) return applyDateMath(parseDateTime(t.slice(0, anchor), opts.timeZone), t.slice(anchor + 2), roundUp, opts);
  return parseDateTime(t, opts.timeZone);
}

/** Whether a time is relative to now (`now-5m`), as opposed to an absolute date. */
export function isRelativeTime(text: string | number): boolean {
  return typeof text === 'string' && text.trim().startsWith('now');
}
