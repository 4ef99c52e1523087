//! The lib functions the uPlot panels use, in one place, with the small adaptations they need
//! (palette names resolved to CSS colors, reducers narrowed to numbers).

import type { FieldConfig } from '../../api/dashboard';
import { reduce, type ReduceInput } from '../../lib/reduce';
import { resolveColor as libResolveColor, seriesColor as libSeriesColor, type SeriesSample } from '../../lib/thresholds';
import { formattedToString, formatValue } from '../../lib/units';

export { applyMappings, thresholdColor, type MappingResult } from '../../lib/thresholds';
export { formatValue, formattedToString } from '../../lib/units';
export type { FormattedValue } from '../../lib/units';

/** A Grafana color name (or any CSS color) as a CSS color. */
export function resolveColor(color: string | undefined | null): string {
  return libResolveColor(color);
}

/** The CSS color of series `index` under its `color.mode` (palette-classic by default). */
export function seriesColor(index: number, config: FieldConfig = {}, sample: SeriesSample = {}): string {
  return libResolveColor(libSeriesColor(index, config, sample));
}

/** A numeric reducer result (`mean`, `max`, `lastNotNull`, ...), null when not a number. */
export function reduceValues(values: ArrayLike<unknown>, calc: string): number | null {
  const r = reduce(values as readonly ReduceInput[], calc);
  return typeof r === 'number' && !Number.isNaN(r) ? r : null;
}

/** A number formatted with a unit and decimals, as one string ('' for null). */
export function formatNumber(value: number | null | undefined, unit?: string, decimals?: number | null): string {
  if (value == null || Number.isNaN(value)) return '';
  return formattedToString(formatValue(value, unit, decimals ?? null));
}
