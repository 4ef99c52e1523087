// The stat panel's options (Grafana's names and defaults) and the pure layout of one stat: which
// texts show, their font sizes, and the sparkline's box.

import { readReduceOptions, type ReduceOptions } from '../common/display';
import { fitFontSize } from '../common/layout';

export type StatColorMode = 'value' | 'background' | 'background_solid' | 'none';
export type StatTextMode = 'auto' | 'value' | 'value_and_name' | 'name' | 'none';

/** Grafana's stat options. */
export interface StatOptions {
  reduceOptions: ReduceOptions;
  colorMode: StatColorMode;
  graphMode: 'none' | 'area';
  justifyMode: 'auto' | 'center';
  textMode: StatTextMode;
  orientation: 'auto' | 'horizontal' | 'vertical';
  wideLayout: boolean;
  text: { titleSize?: number; valueSize?: number };
}

function pick<T extends string>(v: unknown, allowed: readonly T[], dflt: T): T {
  return allowed.includes(v as T) ? (v as T) : dflt;
}

/** The panel's stat options with Grafana's defaults for anything missing. */
export function readStatOptions(o: Record<string, unknown> | undefined): StatOptions {
  const text = (o?.text ?? {}) as Record<string, unknown>;
  return {
    reduceOptions: readReduceOptions(o),
    colorMode: pick(o?.colorMode, ['value', 'background', 'background_solid', 'none'] as const, 'value'),
    graphMode: pick(o?.graphMode, ['none', 'area'] as const, 'area'),
    justifyMode: pick(o?.justifyMode, ['auto', 'center'] as const, 'auto'),
    textMode: pick(o?.textMode, ['auto', 'value', 'value_and_name', 'name', 'none'] as const, 'auto'),
    orientation: pick(o?.orientation, ['auto', 'horizontal', 'vertical'] as const, 'auto'),
    wideLayout: o?.wideLayout !== false,
    text: {
      titleSize: typeof text.titleSize === 'number' ? text.titleSize : undefined,
      valueSize: typeof text.valueSize === 'number' ? text.valueSize : undefined,
    },
  };
}

/** `auto` shows the name only when there are several values (and the name is not empty). */
export function resolveTextMode(mode: StatTextMode, count: number, title: string): Exclude<StatTextMode, 'auto'> {
  if (mode !== 'auto') return mode;
  return count > 1 && title !== '' ? 'value_and_name' : 'value';
}

/** Where things go in one stat of w x h. */
export interface StatLayout {
  showTitle: boolean;
  showValue: boolean;
  /** Name on the left, value on the right. */
  wide: boolean;
  titleSize: number;
  valueSize: number;
  padding: number;
  /** Sparkline height at the bottom (0: none). */
  graphHeight: number;
}

/** The layout of one stat, from the longest title and value text among the repeated stats so they
 * all share one font size (and the sizes hold still while values change). */
export function statLayout(
  w: number,
  h: number,
  textMode: Exclude<StatTextMode, 'auto'>,
  hasGraph: boolean,
  longestTitle: string,
  longestValue: string,
  options: Pick<StatOptions, 'wideLayout' | 'text'>,
): StatLayout {
  const padding = Math.max(4, Math.min(12, Math.round(Math.min(w, h) * 0.06)));
  const iw = Math.max(0, w - 2 * padding);
  const ih = Math.max(0, h - 2 * padding);
  const showTitle = textMode === 'value_and_name' || textMode === 'name';
  const showValue = textMode === 'value_and_name' || textMode === 'value';
  const graphHeight = hasGraph && ih >= 50 && iw >= 50 ? Math.round(h * 0.45) : 0;
  const wide = showTitle && showValue && options.wideLayout && iw / Math.max(1, ih) > 2.5;
  // The text sits above the graph, overlapping its lower part a little.
  const th = Math.max(8, ih - graphHeight * 0.7);
  let titleSize = 0;
  let valueSize = 0;
  if (wide) {
    titleSize = fitFontSize(longestTitle, iw * 0.45, th * 0.6, 8, 40);
    valueSize = fitFontSize(longestValue, iw * 0.5, th, 8, 160);
  } else if (showTitle && showValue) {
    titleSize = fitFontSize(longestTitle, iw, th * 0.22, 8, 40);
    valueSize = fitFontSize(longestValue, iw, th - titleSize * 1.25, 8, 160);
  } else if (showTitle) {
    titleSize = fitFontSize(longestTitle, iw, th * 0.7, 8, 80);
  } else if (showValue) {
    valueSize = fitFontSize(longestValue, iw, th, 8, 160);
  }
  if (options.text.titleSize) titleSize = options.text.titleSize;
  if (options.text.valueSize) valueSize = options.text.valueSize;
  return { showTitle, showValue, wide, titleSize, valueSize, padding, graphHeight };
}
