// The one place these panels reach the shared helpers in src/lib/ (units, thresholds, mappings,
// reducers, time), narrowed to the signatures the panels use. Everything in
// panels/{stat,gauge,bargauge,table,text,common} imports them from here.

import type { FieldConfig, Thresholds, ValueMapping } from '../../api/dashboard';
import { formatValue as libFormatValue, type FormattedValue } from '../../lib/units';
import {
  applyMappings as libApplyMappings,
  classicPalette,
  resolveColor as libResolveColor,
  seriesColor as libSeriesColor,
  thresholdColor as libThresholdColor,
  type MappingResult,
} from '../../lib/thresholds';
import { reduce as libReduce, reducerNames as libReducerNames, type ReduceInput } from '../../lib/reduce';
import { formatTooltipTime } from '../../lib/time';

export type { FormattedValue, MappingResult };
export { classicPalette };

/** Formats a number in a Grafana unit (empty text for null). */
export function formatValue(value: number | null | undefined, unit?: string, decimals?: number | null): FormattedValue {
  return libFormatValue(value, unit, decimals);
}

/** A Grafana color name (or CSS color) as a CSS color; '' for none. */
export function resolveColor(color: string | undefined | null): string {
  return color ? libResolveColor(color) : '';
}

/** The color of series `index` by the field's color mode (palette-classic when unset). */
export function seriesColor(
  index: number,
  config?: FieldConfig,
  sample?: { value?: number | null; min?: number | null; max?: number | null; name?: string },
): string {
  return libSeriesColor(index, config, sample);
}

/** The threshold color of `value` (percentage steps taken within min..max). */
export function thresholdColor(value: number, thresholds: Thresholds | undefined, min?: number, max?: number): string {
  return libThresholdColor(Number.isFinite(value) ? value : null, thresholds, min, max);
}

/** The first matching value mapping, or undefined. */
export function applyMappings(value: unknown, mappings: ValueMapping[] | undefined): MappingResult | undefined {
  const v = value === null || value === undefined || ['number', 'string', 'boolean'].includes(typeof value) ? (value as ReduceInput) : String(value);
  return libApplyMappings(v, mappings) ?? undefined;
}

/** A numeric reduction of a column (null when the result is not a number). */
export function reduce(values: unknown[], id: string): number | null {
  const r = libReduce(values as ReduceInput[], id);
  return typeof r === 'number' ? r : typeof r === 'boolean' ? Number(r) : null;
}

/** Reducer labels by id ("sum" is "Total"). */
export const reducerNames: Record<string, string> = Object.fromEntries(libReducerNames.map((r) => [r.id, r.name]));

/** A full date and time, `YYYY-MM-DD HH:mm:ss`, in the dashboard's time zone. */
export function formatTime(ms: number, timeZone: string): string {
  return formatTooltipTime(ms, timeZone);
}
