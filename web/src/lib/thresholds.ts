// Which color a value or a series gets, as Grafana decides it: threshold steps (absolute or
// percent of min..max), the field's color mode (fixed, palette-classic, continuous schemes), and
// value mappings that replace a value's text and color (value, range, regex, special values).

import type { FieldConfig, ThresholdStep, Thresholds, ValueMapping } from '../api/dashboard';
import { classicPalette, continuousSchemes, interpolateColors, resolveColor } from './colors';
import { parseRegex } from './regex';

export { classicPalette, resolveColor } from './colors';

/** The steps Grafana uses when a field has none: green, red from 80. */
export const defaultThresholds: Thresholds = {
  mode: 'absolute',
  steps: [
    { value: null, color: 'green' },
    { value: 80, color: 'red' },
  ],
};

/** Where `value` lies in [min, max], 0-1; 0 when the range is empty. */
export function fractionOf(value: number, min: number, max: number): number {
  return max > min ? (value - min) / (max - min) : 0;
}

/**
 * The step `value` falls in: the last step whose value is at most `value` (the first step, the
 * base, is -Infinity). In percentage mode the value is first turned into a percent of min..max
 * (min 0 and max 100 when unknown).
 */
export function activeThreshold(
  value: number | null | undefined,
  thresholds: Thresholds | undefined,
  min?: number | null,
  max?: number | null,
): ThresholdStep | undefined {
  const steps = thresholds?.steps ?? [];
  if (steps.length === 0) return undefined;
  if (value === null || value === undefined || Number.isNaN(value)) return steps[0];
  const v = thresholds?.mode === 'percentage' ? fractionOf(value, min ?? 0, max ?? 100) * 100 : value;
  let active = steps[0];
  for (const step of steps.slice(1)) {
    if (step.value === null || v < step.value) break;
    active = step;
  }
  return active;
}

/** The color of `value` by `thresholds`, resolved to a CSS color. */
export function thresholdColor(
  value: number | null | undefined,
  thresholds: Thresholds | undefined,
  min?: number | null,
  max?: number | null,
): string {
  return resolveColor(activeThreshold(value, thresholds ?? defaultThresholds, min, max)?.color);
}

/** What seriesColor may know about the series besides its index. */
export interface SeriesSample {
  /** The value by `color.seriesBy` (last, min or max): drives thresholds and continuous modes. */
  value?: number | null;
  /** The range for continuous schemes and percentage thresholds (else config.min/max, 0-100). */
  min?: number | null;
  max?: number | null;
  /** The series' display name, for `palette-classic-by-name`. */
  name?: string;
}

/** A small stable string hash, so a name keeps its color across reloads. */
function nameHash(name: string): number {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
  return Math.abs(hash);
}

/**
 * The color of series `index` under `config.color.mode`: `fixed`/`shades` (fixedColor),
 * `thresholds` (by the sample value), `palette-classic` (by index; the default),
 * `palette-classic-by-name` (by name), `continuous-*` (the sample value in min..max).
 */
export function seriesColor(index: number, config: FieldConfig = {}, sample: SeriesSample = {}): string {
  const mode = config.color?.mode ?? 'palette-classic';
  const min = sample.min ?? config.min ?? 0;
  const max = sample.max ?? config.max ?? 100;
  if (mode === 'fixed' || mode === 'shades') return resolveColor(config.color?.fixedColor);
  if (mode === 'thresholds') return thresholdColor(sample.value, config.thresholds, min, max);
  const scheme = Object.hasOwn(continuousSchemes, mode) ? continuousSchemes[mode] : undefined;
  if (scheme) return interpolateColors(scheme, fractionOf(sample.value ?? min, min, max));
  const slot = mode === 'palette-classic-by-name' && sample.name !== undefined ? nameHash(sample.name) : index;
  return classicPalette[Math.abs(slot) % classicPalette.length];
}

/** A mapping's replacement for a value; absent fields keep the value's own. */
export interface MappingResult {
  text?: string;
  color?: string;
  icon?: string;
  index?: number;
}

type MappedValue = number | string | boolean | null | undefined;

function asResult(raw: unknown): MappingResult | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const out: MappingResult = {};
  if (typeof r.text === 'string') out.text = r.text;
  if (typeof r.color === 'string') out.color = r.color;
  if (typeof r.icon === 'string') out.icon = r.icon;
  if (typeof r.index === 'number') out.index = r.index;
  return out;
}

function toNumberOrNull(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isNaN(n) ? null : n;
}

function matchValue(value: MappedValue, options: Record<string, unknown>): MappingResult | null {
  if (value === null || value === undefined) return null;
  const key = String(value);
  return Object.hasOwn(options, key) ? asResult(options[key]) : null;
}

function matchRange(value: MappedValue, options: Record<string, unknown>): MappingResult | null {
  const n = toNumberOrNull(value);
  if (n === null || typeof value === 'boolean') return null;
  const from = toNumberOrNull(options.from);
  const to = toNumberOrNull(options.to);
  if ((from !== null && n < from) || (to !== null && n > to)) return null;
  return asResult(options.result);
}

function matchRegex(value: MappedValue, options: Record<string, unknown>): MappingResult | null {
  if (value === null || value === undefined || typeof options.pattern !== 'string') return null;
  const regex = parseRegex(options.pattern);
  const text = String(value);
  if (!regex || !text.match(regex)) return null;
  const result = asResult(options.result);
  // The result text may use the pattern's groups ($1), as a replacement string.
  if (result?.text !== undefined) result.text = text.replace(regex, result.text);
  return result;
}

function isSpecial(value: MappedValue, match: unknown): boolean {
  const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
  const isNull = value === null || value === undefined || lower === 'null';
  const isNaN = typeof value === 'number' && Number.isNaN(value);
  switch (match) {
    case 'null': return isNull;
    case 'nan': return isNaN;
    case 'null+nan': return isNull || isNaN;
    case 'true': return value === true || lower === 'true';
    case 'false': return value === false || lower === 'false';
    case 'empty': return value === '';
    default: return false;
  }
}

/** Applies one mapping to a value, null when it does not match. */
function applyMapping(value: MappedValue, mapping: ValueMapping): MappingResult | null {
  const options = mapping.options ?? {};
  switch (mapping.type) {
    case 'value': return matchValue(value, options);
    case 'range': return matchRange(value, options);
    case 'regex': return matchRegex(value, options);
    case 'special': return isSpecial(value, options.match) ? asResult(options.result) : null;
    default: return null;
  }
}

/** The first mapping (in order) that matches `value`, or null; a result's color is resolved. */
export function applyMappings(value: MappedValue, mappings: readonly ValueMapping[] | undefined): MappingResult | null {
  for (const mapping of mappings ?? []) {
    const result = applyMapping(value, mapping);
    if (result) return result.color ? { ...result, color: resolveColor(result.color) } : result;
  }
  return null;
}
