//! The per-field drawing style of a time series: `fieldConfig.custom` with Grafana 11's
//! defaults filled in, and the series color from `color.mode`.

import type { FieldConfig } from '../../api/dashboard';
import { seriesColor } from '../../components/uplot/shared';

export type DrawStyle = 'line' | 'bars' | 'points';
export type LineInterpolation = 'linear' | 'smooth' | 'stepBefore' | 'stepAfter';
export type ShowPoints = 'auto' | 'always' | 'never';
export type GradientMode = 'none' | 'opacity' | 'hue' | 'scheme';
export type AxisPlacement = 'auto' | 'left' | 'right' | 'hidden';
export type ThresholdsMode = 'off' | 'line' | 'area' | 'line+area' | 'dashed' | 'dashed+area' | 'series';

/** `custom.*` of a time series field, defaults applied. */
export interface SeriesStyle {
  drawStyle: DrawStyle;
  lineInterpolation: LineInterpolation;
  lineWidth: number;
  /** [dash, gap] or null for solid. */
  lineDash: number[] | null;
  fillOpacity: number;
  gradientMode: GradientMode;
  showPoints: ShowPoints;
  pointSize: number;
  /** true, false or a gap threshold in ms above which points are not connected. */
  spanNulls: boolean | number;
  barAlignment: -1 | 0 | 1;
  barWidthFactor: number;
  barMaxWidth: number;
  stackingMode: 'none' | 'normal' | 'percent';
  stackingGroup: string;
  axisPlacement: AxisPlacement;
  axisLabel: string;
  axisSoftMin: number | null;
  axisSoftMax: number | null;
  axisCenteredZero: boolean;
  axisColorMode: 'text' | 'series';
  scaleType: 'linear' | 'log' | 'symlog';
  logBase: number;
  linearThreshold: number;
  thresholdsMode: ThresholdsMode;
  hideViz: boolean;
  hideLegend: boolean;
  hideTooltip: boolean;
  negativeY: boolean;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}
function numOr(v: unknown, d: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : d;
}
function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function oneOf<T extends string>(v: unknown, allowed: readonly T[], d: T): T {
  return allowed.includes(v as T) ? (v as T) : d;
}

/** The style of a field from its merged config. */
export function seriesStyle(config: FieldConfig): SeriesStyle {
  const c = obj(config.custom);
  const lineStyle = obj(c.lineStyle);
  const stacking = obj(c.stacking);
  const scale = obj(c.scaleDistribution);
  const hide = obj(c.hideFrom);
  const thr = obj(c.thresholdsStyle);
  let lineDash: number[] | null = null;
  if (lineStyle.fill === 'dash') lineDash = Array.isArray(lineStyle.dash) ? (lineStyle.dash as number[]) : [10, 10];
  else if (lineStyle.fill === 'dot') lineDash = Array.isArray(lineStyle.dash) ? (lineStyle.dash as number[]) : [0, 10];
  const spanNulls = c.spanNulls;
  return {
    drawStyle: oneOf(c.drawStyle, ['line', 'bars', 'points'] as const, 'line'),
    lineInterpolation: oneOf(c.lineInterpolation, ['linear', 'smooth', 'stepBefore', 'stepAfter'] as const, 'linear'),
    lineWidth: numOr(c.lineWidth, 1),
    lineDash,
    fillOpacity: Math.max(0, Math.min(100, numOr(c.fillOpacity, 0))),
    gradientMode: oneOf(c.gradientMode, ['none', 'opacity', 'hue', 'scheme'] as const, 'none'),
    showPoints: oneOf(c.showPoints, ['auto', 'always', 'never'] as const, 'auto'),
    pointSize: numOr(c.pointSize, 5),
    spanNulls: typeof spanNulls === 'number' ? spanNulls : spanNulls === true,
    barAlignment: ([-1, 0, 1] as const).find((a) => a === c.barAlignment) ?? 0,
    barWidthFactor: numOr(c.barWidthFactor, 0.6),
    barMaxWidth: numOr(c.barMaxWidth, 200),
    stackingMode: oneOf(stacking.mode, ['none', 'normal', 'percent'] as const, 'none'),
    stackingGroup: typeof stacking.group === 'string' ? stacking.group : 'A',
    axisPlacement: oneOf(c.axisPlacement, ['auto', 'left', 'right', 'hidden'] as const, 'auto'),
    axisLabel: typeof c.axisLabel === 'string' ? c.axisLabel : '',
    axisSoftMin: numOrNull(c.axisSoftMin),
    axisSoftMax: numOrNull(c.axisSoftMax),
    axisCenteredZero: c.axisCenteredZero === true,
    axisColorMode: c.axisColorMode === 'series' ? 'series' : 'text',
    scaleType: oneOf(scale.type, ['linear', 'log', 'symlog'] as const, 'linear'),
    logBase: numOr(scale.log, 2),
    linearThreshold: numOr(scale.linearThreshold, 1),
    thresholdsMode: oneOf(thr.mode, ['off', 'line', 'area', 'line+area', 'dashed', 'dashed+area', 'series'] as const, 'off'),
    hideViz: hide.viz === true,
    hideLegend: hide.legend === true,
    hideTooltip: hide.tooltip === true,
    negativeY: c.transform === 'negative-Y',
  };
}

/** The series color for `color.mode` (palette-classic by default), as a CSS color. */
export function fieldColor(config: FieldConfig, index: number, name: string, lastValue: number | null): string {
  return seriesColor(index, config, { value: lastValue, name });
}
