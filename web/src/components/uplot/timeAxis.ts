//! The time axis in the dashboard's time zone ('browser', 'utc' or an IANA name), with Grafana's
//! tick formats chosen from the tick step: HH:mm:ss.SSS, HH:mm:ss, HH:mm, MM/DD HH:mm, MM/DD,
//! YYYY-MM, YYYY. Dates are formatted with Intl, one cached formatter per zone.

import uPlot from 'uplot';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The IANA zone for Intl, or undefined for the browser's own zone. */
export function intlZone(timeZone: string): string | undefined {
  if (!timeZone || timeZone === 'browser' || timeZone === 'local') return undefined;
  if (timeZone.toLowerCase() === 'utc') return 'UTC';
  return timeZone;
}

interface Parts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  const zone = intlZone(timeZone);
  const key = zone ?? '';
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit',
      });
    } catch {
      // An unknown zone name: fall back to the browser's zone rather than break the panel.
      f = new Intl.DateTimeFormat('en-US', {
        hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
      });
    }
    formatters.set(key, f);
  }
  return f;
}

function parts(ms: number, timeZone: string): Parts {
  const out: Parts = { year: '', month: '', day: '', hour: '', minute: '', second: '' };
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type in out) (out as unknown as Record<string, string>)[p.type] = p.value;
  }
  if (out.hour === '24') out.hour = '00';
  return out;
}

/** Formats `ms` with a pattern of YYYY, MM, DD, HH, mm, ss, SSS in `timeZone`. */
export function formatDate(ms: number, pattern: string, timeZone: string): string {
  const p = parts(ms, timeZone);
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, '0');
  return pattern.replace(/YYYY|MM|DD|HH|mm|ss|SSS/g, (tok) => {
    switch (tok) {
      case 'YYYY': return p.year;
      case 'MM': return p.month;
      case 'DD': return p.day;
      case 'HH': return p.hour;
      case 'mm': return p.minute;
      case 'ss': return p.second;
      default: return millis;
    }
  });
}

/** Grafana's tick format for a tick step `incr` over a visible range of `rangeMs`. */
export function tickFormat(incr: number, rangeMs: number): string {
  if (incr < SECOND) return 'HH:mm:ss.SSS';
  if (incr < MINUTE) return 'HH:mm:ss';
  if (incr < HOUR || (incr < DAY && rangeMs <= DAY)) return 'HH:mm';
  if (incr < DAY) return 'MM/DD HH:mm';
  if (incr < 28 * DAY) return 'MM/DD';
  if (incr < 365 * DAY) return 'YYYY-MM';
  return 'YYYY';
}

/** The tooltip/legend time format for a visible range. */
export function hoverFormat(rangeMs: number): string {
  return rangeMs < MINUTE ? 'YYYY-MM-DD HH:mm:ss.SSS' : 'YYYY-MM-DD HH:mm:ss';
}

/** uPlot's `tzDate` for a dashboard zone (undefined keeps uPlot's browser-local default). */
export function tzDateFn(timeZone: string): ((ts: number) => Date) | undefined {
  const zone = intlZone(timeZone);
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return undefined;
  }
  return (ts: number) => uPlot.tzDate(new Date(ts), zone);
}

/** The uPlot x-axis `values` callback: one label per split, formatted for the step. */
export function timeAxisValues(timeZone: string) {
  return (u: uPlot, splits: number[], _axisIdx: number, _space: number, incr: number): string[] => {
    const x = u.scales.x;
    const range = x.max != null && x.min != null ? x.max - x.min : incr * splits.length;
    const fmt = tickFormat(incr, range);
    return splits.map((s) => formatDate(s, fmt, timeZone));
  };
}
