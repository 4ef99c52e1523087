// Pure parts of the pie chart: options with Grafana's defaults, slice angles and SVG paths.

import { readReduceOptions, type ReduceOptions } from '../display';

export interface PieOptions {
  reduceOptions: ReduceOptions;
  pieType: 'pie' | 'donut';
  displayLabels: ('name' | 'value' | 'percent')[];
  legend: { show: boolean; displayMode: 'list' | 'table'; placement: 'right' | 'bottom'; values: ('value' | 'percent')[] };
}

/** The panel's pie chart options with Grafana's defaults. */
export function readPieOptions(o: Record<string, unknown> | undefined): PieOptions {
  const legend = (o?.legend ?? {}) as Record<string, unknown>;
  const labels = Array.isArray(o?.displayLabels) ? (o.displayLabels as unknown[]) : [];
  const lv = Array.isArray(legend.values) ? (legend.values as unknown[]) : [];
  return {
    reduceOptions: readReduceOptions(o),
    pieType: o?.pieType === 'donut' ? 'donut' : 'pie',
    displayLabels: labels.filter((l): l is 'name' | 'value' | 'percent' => l === 'name' || l === 'value' || l === 'percent'),
    legend: {
      show: legend.showLegend !== false && legend.displayMode !== 'hidden',
      displayMode: legend.displayMode === 'table' ? 'table' : 'list',
      placement: legend.placement === 'bottom' ? 'bottom' : 'right',
      values: lv.filter((v): v is 'value' | 'percent' => v === 'value' || v === 'percent'),
    },
  };
}

/** One slice: angles in radians clockwise from 12 o'clock, share of the total 0..1. */
export interface Slice {
  index: number;
  start: number;
  end: number;
  share: number;
}

/** Slices of the positive values, in order; zero, negative and missing values get none. */
export function pieSlices(values: number[]): Slice[] {
  const total = values.reduce((s, v) => s + (Number.isFinite(v) && v > 0 ? v : 0), 0);
  const slices: Slice[] = [];
  if (total <= 0) return slices;
  let a = 0;
  values.forEach((v, index) => {
    if (!(Number.isFinite(v) && v > 0)) return;
    const share = v / total;
    slices.push({ index, start: a, end: a + share * 2 * Math.PI, share });
    a += share * 2 * Math.PI;
  });
  return slices;
}

const pt = (cx: number, cy: number, r: number, a: number) => `${+(cx + r * Math.sin(a)).toFixed(2)} ${+(cy - r * Math.cos(a)).toFixed(2)}`;

/** The SVG path of a slice (a ring segment when `inner` > 0); a full circle for a single slice. */
export function slicePath(cx: number, cy: number, r: number, inner: number, a0: number, a1: number): string {
  if (a1 - a0 >= 2 * Math.PI - 1e-9) {
    const outer = `M ${pt(cx, cy, r, 0)} A ${r} ${r} 0 1 1 ${pt(cx, cy, r, Math.PI)} A ${r} ${r} 0 1 1 ${pt(cx, cy, r, 0)} Z`;
    if (inner <= 0) return outer;
    return `${outer} M ${pt(cx, cy, inner, 0)} A ${inner} ${inner} 0 1 0 ${pt(cx, cy, inner, Math.PI)} A ${inner} ${inner} 0 1 0 ${pt(cx, cy, inner, 0)} Z`;
  }
  const large = a1 - a0 > Math.PI ? 1 : 0;
  if (inner <= 0) return `M ${cx} ${cy} L ${pt(cx, cy, r, a0)} A ${r} ${r} 0 ${large} 1 ${pt(cx, cy, r, a1)} Z`;
  return `M ${pt(cx, cy, r, a0)} A ${r} ${r} 0 ${large} 1 ${pt(cx, cy, r, a1)} L ${pt(cx, cy, inner, a1)} A ${inner} ${inner} 0 ${large} 0 ${pt(cx, cy, inner, a0)} Z`;
}

/** Where a slice's label goes (the middle of its arc, at `r`). */
export function labelPoint(cx: number, cy: number, r: number, s: Slice): [number, number] {
  const a = (s.start + s.end) / 2;
  return [cx + r * Math.sin(a), cy - r * Math.cos(a)];
}
