// Pure parts of the bar gauge: options with Grafana's defaults, where the name, value and bar go
// in one cell, the gradient stops of `gradient` mode and the cells of `lcd` mode.

import { readReduceOptions, type ReduceOptions } from '../common/display';
import { withAlpha } from '../common/color';
import { fitFontSize } from '../common/layout';

/** Grafana's bar gauge options. */
export interface BarGaugeOptions {
  reduceOptions: ReduceOptions;
  displayMode: 'gradient' | 'lcd' | 'basic';
  orientation: 'auto' | 'horizontal' | 'vertical';
  showUnfilled: boolean;
  valueMode: 'color' | 'text' | 'hidden';
  namePlacement: 'auto' | 'top' | 'left' | 'hidden';
  sizing: 'auto' | 'manual';
  minVizWidth: number;
  minVizHeight: number;
  maxVizHeight: number;
  text: { titleSize?: number; valueSize?: number };
}

function pick<T extends string>(v: unknown, allowed: readonly T[], dflt: T): T {
  return allowed.includes(v as T) ? (v as T) : dflt;
}

const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);

/** The panel's options with Grafana's defaults. */
export function readBarGaugeOptions(o: Record<string, unknown> | undefined): BarGaugeOptions {
  const text = (o?.text ?? {}) as Record<string, unknown>;
  return {
    reduceOptions: readReduceOptions(o),
    displayMode: pick(o?.displayMode, ['gradient', 'lcd', 'basic'] as const, 'gradient'),
    orientation: pick(o?.orientation, ['auto', 'horizontal', 'vertical'] as const, 'auto'),
    showUnfilled: o?.showUnfilled !== false,
    valueMode: pick(o?.valueMode, ['color', 'text', 'hidden'] as const, 'color'),
    namePlacement: pick(o?.namePlacement, ['auto', 'top', 'left', 'hidden'] as const, 'auto'),
    sizing: pick(o?.sizing, ['auto', 'manual'] as const, 'auto'),
    minVizWidth: num(o?.minVizWidth, 8),
    minVizHeight: num(o?.minVizHeight, 16),
    maxVizHeight: num(o?.maxVizHeight, 300),
    text: {
      titleSize: typeof text.titleSize === 'number' ? text.titleSize : undefined,
      valueSize: typeof text.valueSize === 'number' ? text.valueSize : undefined,
    },
  };
}

/** Boxes inside one bar gauge cell, relative to the cell. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface BarCellLayout {
  name?: Box;
  value?: Box;
  bar: Box;
  titleSize: number;
  valueSize: number;
  vertical: boolean;
}

/** Lays out name, value and bar in a w x h cell. Horizontal bars grow to the right with the value
 * after them and the name above (or left, in short cells); vertical bars grow upwards with the value
 * above and the name below. */
export function barCellLayout(
  w: number,
  h: number,
  vertical: boolean,
  opts: Pick<BarGaugeOptions, 'namePlacement' | 'valueMode' | 'text'>,
  longestTitle: string,
  longestValue: string,
  hasName: boolean,
): BarCellLayout {
  const showName = hasName && opts.namePlacement !== 'hidden';
  const showValue = opts.valueMode !== 'hidden';
  if (vertical) {
    const titleSize = showName ? (opts.text.titleSize ?? fitFontSize(longestTitle, w, Math.max(10, h * 0.08), 9, 16)) : 0;
    const nameH = showName ? Math.ceil(titleSize * 1.4) : 0;
    const valueSize = showValue ? (opts.text.valueSize ?? fitFontSize(longestValue, w, Math.max(10, h * 0.12), 9, 28)) : 0;
    const valueH = showValue ? Math.ceil(valueSize * 1.4) : 0;
    const barH = Math.max(0, h - nameH - valueH);
    return {
      vertical,
      titleSize,
      valueSize,
      value: showValue ? { x: 0, y: 0, w, h: valueH } : undefined,
      bar: { x: 0, y: valueH, w, h: barH },
      name: showName ? { x: 0, y: valueH + barH, w, h: nameH } : undefined,
    };
  }
  const left = showName && (opts.namePlacement === 'left' || (opts.namePlacement === 'auto' && h < 36));
  const titleSize = showName ? (opts.text.titleSize ?? (left ? fitFontSize(longestTitle, w * 0.25, h * 0.7, 9, 16) : Math.max(9, Math.min(16, h * 0.3)))) : 0;
  const nameW = left ? Math.min(w * 0.3, Math.max(40, longestTitle.length * titleSize * 0.6 + 8)) : 0;
  const nameH = showName && !left ? Math.ceil(titleSize * 1.4) : 0;
  const barH = Math.max(0, h - nameH);
  const valueSize = showValue ? (opts.text.valueSize ?? fitFontSize(longestValue, Math.max(40, w * 0.25), barH * 0.9, 9, 32)) : 0;
  const valueW = showValue ? Math.min(w * 0.4, Math.ceil(longestValue.length * valueSize * 0.6) + 10) : 0;
  return {
    vertical,
    titleSize,
    valueSize,
    name: showName ? (left ? { x: 0, y: 0, w: nameW, h } : { x: 0, y: 0, w, h: nameH }) : undefined,
    bar: { x: nameW, y: nameH, w: Math.max(0, w - nameW - valueW), h: barH },
    value: showValue ? { x: w - valueW, y: nameH, w: valueW, h: barH } : undefined,
  };
}

/** The threshold color at an absolute value. */
export function colorAt(value: number, steps: { value: number; color: string }[], fallback: string): string {
  let c = steps[0]?.color ?? fallback;
  for (const s of steps) if (value >= s.value) c = s.color;
  return c;
}

/** Gradient stops over the filled part (0..1 of its length): the threshold colors the fill passes
 * through, ending in the value's color. Without thresholds: from faint to the value color. */
export function gradientStops(
  steps: { value: number; color: string }[],
  min: number,
  max: number,
  percent: number,
  valueColor: string,
  byThresholds: boolean,
): { offset: number; color: string }[] {
  if (!byThresholds || steps.length === 0 || !(max > min) || percent <= 0) {
    return [{ offset: 0, color: withAlpha(valueColor, 0.35) }, { offset: 1, color: valueColor }];
  }
  const end = min + (max - min) * percent;
  const stops: { offset: number; color: string }[] = [{ offset: 0, color: colorAt(min, steps, valueColor) }];
  for (const s of steps) {
    if (s.value > min && s.value < end) {
      stops.push({ offset: (s.value - min) / (end - min), color: s.color });
    }
  }
  stops.push({ offset: 1, color: valueColor });
  return stops;
}

/** CSS for gradient stops in a direction. */
export function cssGradient(stops: { offset: number; color: string }[], direction: 'to right' | 'to top'): string {
  return `linear-gradient(${direction}, ${stops.map((s) => `${s.color} ${+(s.offset * 100).toFixed(2)}%`).join(', ')})`;
}

/** One LCD cell: lit or not, and its color. */
export interface LcdCell {
  lit: boolean;
  color: string;
}

/** The cells of `lcd` mode along a bar of `length` px, each colored by the threshold at its place. */
export function lcdCells(
  length: number,
  thickness: number,
  percent: number,
  steps: { value: number; color: string }[],
  min: number,
  max: number,
  valueColor: string,
  spacing = 2,
): LcdCell[] {
  const target = Math.max(4, Math.min(12, thickness * 0.5));
  const count = Math.max(1, Math.floor((length + spacing) / (target + spacing)));
  const cells: LcdCell[] = [];
  const byThresholds = steps.length > 0 && max > min;
  for (let i = 0; i < count; i++) {
    const pos = (i + 0.5) / count;
    const color = byThresholds ? colorAt(min + (max - min) * pos, steps, valueColor) : valueColor;
    cells.push({ lit: percent > 0 && i / count < percent, color });
  }
  return cells;
}
