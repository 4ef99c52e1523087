// Turns data frames into the values that stat, gauge, bar gauge and pie chart draw: Grafana's
// `reduceOptions` (one value per field and calculation, or one per row), each formatted with the
// field's unit and decimals, passed through its value mappings, and colored by its color mode
// (thresholds, fixed, palette or a continuous scheme) within its min/max.

import type { FieldConfig, Thresholds } from '../../api/dashboard';
import { displayName, type DataFrame, type Field } from '../../data/frame';
import { tryRegex } from '../../data/transform/matchers';
import { applyMappings, formatTime, formatValue, reduce, resolveColor, seriesColor, thresholdColor } from './lib';

/** Grafana's `options.reduceOptions`. */
export interface ReduceOptions {
  /** Show every row instead of a calculation per field. */
  values?: boolean;
  /** With `values`: the most values to show (Grafana's default is 25). */
  limit?: number;
  /** Reducer ids; the first one is used when empty: `lastNotNull`. */
  calcs?: string[];
  /** Which fields: "" for the numeric ones, else a regex (`/^cpu$/`) or an exact display name. */
  fields?: string;
}

/** Grafana's row limit for `values: true` when the panel sets none. */
export const DEFAULT_VALUES_LIMIT = 25;

/** Grafana's default thresholds (base green, red from 80). */
export const DEFAULT_THRESHOLDS: Thresholds = {
  mode: 'absolute',
  steps: [
    { value: null, color: 'green' },
    { value: 80, color: 'red' },
  ],
};

/** The time and values a sparkline draws (the frame's own arrays: nothing is copied). */
export interface Sparkline {
  x: unknown[];
  y: unknown[];
}

/** One value ready to draw. */
export interface DisplayValue {
  /** The display name (or the row's name with `values: true`). */
  title: string;
  /** The number behind the text; NaN when there is none (null, strings). */
  numeric: number;
  /** The value text without prefix and suffix. */
  text: string;
  prefix?: string;
  suffix?: string;
  /** `prefix + text + suffix`: what the user reads (and the aria label uses). */
  formatted: string;
  /** A CSS color. */
  color: string;
  /** Where the value lies between min and max, 0..1. */
  percent: number;
  min: number;
  max: number;
  /** The field's thresholds with resolved colors, sorted (absolute values even in percentage mode). */
  thresholds: { value: number; color: string }[];
  /** The field's config after defaults. */
  config: FieldConfig;
  /** Position in the data, for stable keys. */
  frameIndex: number;
  fieldIndex: number;
  rowIndex?: number;
  /** The reducer that made this value (reduce mode). */
  calc?: string;
  sparkline?: Sparkline;
}

/** Options for `displayValues` beyond reduceOptions. */
export interface DisplayOptions {
  /** Fill `sparkline` (stat's graph mode). */
  sparkline?: boolean;
  /** 'browser', 'utc' or an IANA zone, for time values. */
  timeZone?: string;
  /** Fallback field config (the panel's fieldConfig.defaults) for the "No data" value. */
  defaults?: FieldConfig;
}

/** The fields reduceOptions.fields selects: the numeric ones by default, else by display name. */
export function fieldMatcher(fields: string | undefined): (field: Field, frame: DataFrame) => boolean {
  if (!fields) return (f) => f.type === 'number';
  const re = tryRegex(fields);
  if (!re) return () => false;
  return (f, frame) => re.test(displayName(f, frame));
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/** The min and max of every numeric field, for fields that set neither (Grafana's global range). */
export function dataRange(frames: DataFrame[]): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const frame of frames) {
    for (const f of frame.fields) {
      if (f.type !== 'number') continue;
      for (const v of f.values) {
        if (!isNum(v) || !Number.isFinite(v)) continue;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  return min <= max ? { min, max } : undefined;
}

/** The range a value is placed in: config min/max, else 0..100 (`percent`) or 0..1 (`percentunit`),
 * else the data's range (the field's own with `fieldMinMax`, the global one otherwise). */
export function fieldRange(
  config: FieldConfig,
  field: Field | undefined,
  global: { min: number; max: number } | undefined,
): { min: number; max: number } {
  let min = isNum(config.min) ? config.min : undefined;
  let max = isNum(config.max) ? config.max : undefined;
  if (min === undefined || max === undefined) {
    if (config.unit === 'percent') {
      min ??= 0;
      max ??= 100;
    } else if (config.unit === 'percentunit') {
      min ??= 0;
      max ??= 1;
    }
  }
  if (min === undefined || max === undefined) {
    const r = config.fieldMinMax && field ? dataRange([{ fields: [field], length: field.values.length }]) : global;
    min ??= r ? Math.min(r.min, max ?? r.min) : 0;
    max ??= r ? Math.max(r.max, min) : 100;
  }
  return { min, max };
}

/** Where `value` lies in [min, max], 0..1 (1 when the range is empty and the value reaches it). */
export function percentOf(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return 0;
  if (max <= min) return value >= max ? 1 : 0;
  return Math.max(0, Math.min(1, (value - min) / (max - min)));
}

/** The threshold steps as absolute values with CSS colors (percentage steps mapped into min..max). */
export function absoluteSteps(config: FieldConfig, min: number, max: number): { value: number; color: string }[] {
  const t = config.thresholds ?? DEFAULT_THRESHOLDS;
  const steps = [...(t.steps ?? [])].sort((a, b) => (a.value ?? -Infinity) - (b.value ?? -Infinity));
  return steps.map((s) => {
    const raw = s.value ?? -Infinity;
    const value = t.mode === 'percentage' && Number.isFinite(raw) ? min + ((max - min) * raw) / 100 : raw;
    return { value, color: resolveColor(s.color) };
  });
}

/** The color of a value by the field's color mode (thresholds by default, as Grafana). */
export function valueColor(
  value: number,
  config: FieldConfig,
  range: { min: number; max: number },
  seriesIndex: number,
  name: string,
): string {
  const mode = config.color?.mode ?? 'thresholds';
  if (mode === 'thresholds') {
    const t = config.thresholds ?? DEFAULT_THRESHOLDS;
    return thresholdColor(value, t, range.min, range.max) || resolveColor(t.steps?.[0]?.color ?? 'green');
  }
  if ((mode === 'fixed' || mode === 'shades') && !config.color?.fixedColor) return 'var(--text)';
  return seriesColor(seriesIndex, config, { value: isNum(value) ? value : null, min: range.min, max: range.max, name });
}

/** Formats one raw value of a field: text, color and position, after mappings. */
export function formatFieldValue(
  raw: unknown,
  field: Pick<Field, 'type' | 'config'>,
  range: { min: number; max: number },
  opts: { seriesIndex?: number; name?: string; timeZone?: string; noValue?: string } = {},
): Pick<DisplayValue, 'numeric' | 'text' | 'prefix' | 'suffix' | 'formatted' | 'color' | 'percent'> {
  const config = field.config;
  const numeric = isNum(raw) ? raw : typeof raw === 'boolean' ? (raw ? 1 : 0) : NaN;
  let text: string;
  let prefix: string | undefined;
  let suffix: string | undefined;
  if (raw == null || (typeof raw === 'number' && Number.isNaN(raw))) {
    text = '';
  } else if (field.type === 'time' && isNum(raw)) {
    text = formatTime(raw, opts.timeZone ?? 'browser');
  } else if (typeof raw === 'number') {
    const f = formatValue(raw, config.unit, config.decimals ?? undefined);
    text = f.text;
    prefix = f.prefix || undefined;
    suffix = f.suffix || undefined;
  } else if (typeof raw === 'object') {
    text = JSON.stringify(raw);
  } else {
    text = String(raw);
  }
  const percent = percentOf(numeric, range.min, range.max);
  let color = valueColor(numeric, config, range, opts.seriesIndex ?? 0, opts.name ?? '');
  const mapped = applyMappings(raw, config.mappings);
  if (mapped) {
    if (mapped.text != null && mapped.text !== '') {
      text = String(mapped.text);
      prefix = undefined;
      suffix = undefined;
    }
    if (mapped.color) color = resolveColor(mapped.color);
  }
  if (text === '' && !prefix && !suffix) text = config.noValue ?? opts.noValue ?? '';
  return { numeric, text, prefix, suffix, formatted: `${prefix ?? ''}${text}${suffix ?? ''}`, color, percent };
}

/** Grafana's row title with `values: true`: the row's string values, else the field's name. */
export function rowTitle(frame: DataFrame, field: Field, row: number): string {
  if (field.config.displayName) return field.config.displayName;
  const parts: string[] = [];
  let otherNumeric = 0;
  for (const other of frame.fields) {
    if (other === field) continue;
    if (other.type === 'string') {
      const v = other.values[row];
      const s = v == null ? '' : String(applyMappings(v, other.config.mappings)?.text ?? v);
      if (s.length > 0) parts.push(s);
    } else if (other.type === 'number') {
      otherNumeric++;
    }
  }
  if (otherNumeric > 0 || parts.length === 0) parts.push(displayName(field, frame));
  return parts.join(' ');
}

/** A non-numeric reduction (strings, booleans): the first/last (non-null) raw value. */
function reduceRaw(values: unknown[], calc: string): unknown {
  const notNull = calc.endsWith('NotNull');
  if (calc.startsWith('first')) {
    for (const v of values) if (!notNull || v != null) return v;
    return null;
  }
  for (let i = values.length - 1; i >= 0; i--) if (!notNull || values[i] != null) return values[i];
  return null;
}

const RAW_CALCS = new Set(['last', 'lastNotNull', 'first', 'firstNotNull']);

/** The values to draw, in data order; one "No data" value (text from `noValue`) when nothing matches. */
export function displayValues(
  frames: DataFrame[],
  reduceOptions: ReduceOptions | undefined,
  options: DisplayOptions = {},
): DisplayValue[] {
  const ro = reduceOptions ?? {};
  const calcs = ro.calcs && ro.calcs.length ? ro.calcs : ['lastNotNull'];
  const matches = fieldMatcher(ro.fields);
  const limit = ro.limit && ro.limit > 0 ? ro.limit : DEFAULT_VALUES_LIMIT;
  const global = dataRange(frames);
  const out: DisplayValue[] = [];

  for (let fi = 0; fi < frames.length; fi++) {
    const frame = frames[fi];
    const time = frame.fields.find((f) => f.type === 'time');
    for (let ci = 0; ci < frame.fields.length; ci++) {
      const field = frame.fields[ci];
      if (!matches(field, frame)) continue;
      const config = field.config ?? {};
      const range = fieldRange(config, field, global);
      const thresholds = absoluteSteps(config, range.min, range.max);
      const base = { min: range.min, max: range.max, thresholds, config, frameIndex: fi, fieldIndex: ci };
      if (ro.values) {
        for (let r = 0; r < field.values.length; r++) {
          if (out.length >= limit) return out;
          const title = rowTitle(frame, field, r);
          const v = formatFieldValue(field.values[r], field, range, {
            seriesIndex: out.length, name: title, timeZone: options.timeZone, noValue: 'No data',
          });
          out.push({ ...base, ...v, title, rowIndex: r });
        }
        continue;
      }
      const title = displayName(field, frame);
      const seriesIndex = out.length;
      for (const calc of calcs) {
        const raw =
          field.type === 'number' || !RAW_CALCS.has(calc) ? reduce(field.values, calc) : reduceRaw(field.values, calc);
        const v = formatFieldValue(raw, field, range, {
          seriesIndex, name: title, timeZone: options.timeZone, noValue: 'No data',
        });
        const dv: DisplayValue = { ...base, ...v, title, calc };
        if (options.sparkline && time && field.type === 'number') dv.sparkline = { x: time.values, y: field.values };
        out.push(dv);
      }
    }
  }

  if (out.length === 0) {
    const config = options.defaults ?? {};
    const text = config.noValue ?? 'No data';
    return [{
      title: '', numeric: NaN, text, formatted: text, color: 'var(--muted)', percent: 0, min: config.min ?? 0,
      max: config.max ?? 0, thresholds: [], config, frameIndex: -1, fieldIndex: -1,
    }];
  }
  return out;
}

/** True when `displayValues` found nothing (its single placeholder value). */
export function isNoData(values: DisplayValue[]): boolean {
  return values.length === 0 || (values.length === 1 && values[0].fieldIndex === -1);
}

/** The longest title and value text, so repeated values share one font size (Grafana's alignment factors). */
export function alignmentFactors(values: DisplayValue[]): { title: string; formatted: string } {
  let title = '';
  let formatted = '';
  for (const v of values) {
    if (v.title.length > title.length) title = v.title;
    if (v.formatted.length > formatted.length) formatted = v.formatted;
  }
  return { title, formatted };
}

/** The panel's reduceOptions from its options object, tolerating missing or odd values. */
export function readReduceOptions(options: Record<string, unknown> | undefined): ReduceOptions {
  const ro = (options?.reduceOptions ?? {}) as Record<string, unknown>;
  return {
    values: ro.values === true,
    limit: typeof ro.limit === 'number' ? ro.limit : undefined,
    calcs: Array.isArray(ro.calcs) ? ro.calcs.filter((c): c is string => typeof c === 'string') : undefined,
    fields: typeof ro.fields === 'string' ? ro.fields : undefined,
  };
}
