//! State timeline rows: contiguous spans of one value (merged when options.mergeValues, Grafana's
//! default), each drawn from its time to the next point's time; the last one runs to the end of
//! the range. A null ends the span before it (a gap) unless nulls are spanned. The text and color
//! of a value come from value mappings, then thresholds (numbers), then the classic palette.

import type { FieldConfig } from '../../api/dashboard';
import { applyMappings, formatNumber, resolveColor, seriesColor, thresholdColor } from '../../components/uplot/shared';

/** One drawn span of a state. */
export interface StateSpan {
  start: number;
  end: number;
  value: unknown;
}

export interface SpanOptions {
  mergeValues: boolean;
  /** Connect over nulls: a null continues the previous state (custom.spanNulls). */
  spanNulls?: boolean;
  /** Where the last span ends (the visible range's end); it never ends before its start. */
  end?: number;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/** The spans of one series (times sorted ascending). */
export function computeSpans(time: ArrayLike<number>, values: ArrayLike<unknown>, opts: SpanOptions): StateSpan[] {
  const out: StateSpan[] = [];
  const n = Math.min(time.length, values.length);
  let open: StateSpan | null = null;
  for (let i = 0; i < n; i++) {
    const t = time[i];
    const v = values[i];
    if (v === null || v === undefined) {
      if (opts.spanNulls) continue;
      if (open) open.end = t;
      open = null;
      continue;
    }
    if (open) open.end = t;
    if (open && opts.mergeValues && same(open.value, v)) continue;
    open = { start: t, end: t, value: v };
    out.push(open);
  }
  if (open) open.end = Math.max(open.start, opts.end ?? (n > 0 ? time[n - 1] : open.start));
  return out;
}

/** How a state looks. */
export interface StateLook {
  text: string;
  color: string;
}

/**
 * Text and color of a value: a matching mapping (its text and color), else the number formatted
 * with unit/decimals and colored by thresholds (the state timeline's default color mode), else a
 * palette color per distinct value.
 */
export function stateLook(value: unknown, config: FieldConfig, distinct: Map<string, number>): StateLook {
  const m = applyMappings(value as never, config.mappings);
  const mode = config.color?.mode ?? 'thresholds';
  let text: string;
  if (m?.text != null) text = m.text;
  else if (typeof value === 'number') text = formatNumber(value, config.unit, config.decimals);
  else text = String(value);
  if (m?.color) return { text, color: m.color };
  if (mode === 'fixed' || mode === 'shades') return { text, color: resolveColor(config.color?.fixedColor) };
  if (typeof value === 'number' && mode === 'thresholds') {
    return { text, color: thresholdColor(value, config.thresholds, config.min, config.max) };
  }
  const key = String(value);
  let idx = distinct.get(key);
  if (idx === undefined) distinct.set(key, (idx = distinct.size));
  return { text, color: seriesColor(idx) };
}

/** One item of the states legend. */
export interface StateLegendItem {
  label: string;
  color: string;
}

/**
 * The states legend of a field, as Grafana shows it: each colored value mapping, then (for
 * numbers colored by thresholds) one item per threshold step ("< 80", "80+").
 */
export function stateLegend(config: FieldConfig, numeric: boolean): StateLegendItem[] {
  const items: StateLegendItem[] = [];
  for (const m of config.mappings ?? []) {
    const o = m.options as Record<string, unknown>;
    const add = (label: string, r: unknown) => {
      const res = r as { text?: string; color?: string } | undefined;
      if (res?.color) items.push({ label: res.text ?? label, color: resolveColor(res.color) });
    };
    if (m.type === 'value') for (const [k, r] of Object.entries(o)) add(k, r);
    else if (m.type === 'range') add(`${o.from ?? '-∞'} – ${o.to ?? '∞'}`, o.result);
    else if (m.type === 'regex') add(String(o.pattern), o.result);
    else if (m.type === 'special') add(String(o.match), o.result);
  }
  const steps = config.thresholds?.steps ?? [];
  if (numeric && (config.color?.mode ?? 'thresholds') === 'thresholds' && steps.length > 0) {
    const pct = config.thresholds?.mode === 'percentage' ? '%' : '';
    steps.forEach((s, i) => {
      const next = steps[i + 1];
      const label = i === 0 ? (next?.value != null ? `< ${next.value}${pct}` : 'Base') : `${s.value}${pct}+`;
      items.push({ label, color: resolveColor(s.color) });
    });
  }
  const seen = new Set<string>();
  return items.filter((it) => (seen.has(it.label + it.color) ? false : (seen.add(it.label + it.color), true)));
}

/** The span under time `t` (binary search), or null. */
export function spanAt(spans: StateSpan[], t: number): StateSpan | null {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid];
    if (t < s.start) hi = mid - 1;
    else if (t >= s.end && !(t === s.end && s.start === s.end)) lo = mid + 1;
    else return s;
  }
  return null;
}
