//! Legend and tooltip options (options.legend / options.tooltip) with Grafana's defaults, the
//! legend's calculated values, and Grafana's click behavior: a click isolates a series (or shows
//! all again when it is already the only one), ctrl/cmd-click toggles one series.

import { formatNumber, reduceValues } from '../../components/uplot/shared';

export interface LegendOptions {
  showLegend: boolean;
  displayMode: 'list' | 'table' | 'hidden';
  placement: 'bottom' | 'right';
  calcs: string[];
  /** Right-placed legend width in px, if set. */
  width?: number;
  sortBy?: string;
  sortDesc: boolean;
}

export interface TooltipOptions {
  mode: 'single' | 'multi' | 'none';
  sort: 'none' | 'asc' | 'desc';
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** options.legend with defaults (list, bottom, no calcs). */
export function legendOptions(options: Record<string, unknown> | undefined): LegendOptions {
  const l = obj(options?.legend);
  const displayMode = l.displayMode === 'table' || l.displayMode === 'hidden' ? l.displayMode : 'list';
  return {
    showLegend: l.showLegend !== false && displayMode !== 'hidden',
    displayMode,
    placement: l.placement === 'right' ? 'right' : 'bottom',
    calcs: Array.isArray(l.calcs) ? (l.calcs as unknown[]).filter((c): c is string => typeof c === 'string') : [],
    width: typeof l.width === 'number' ? l.width : undefined,
    sortBy: typeof l.sortBy === 'string' ? l.sortBy : undefined,
    sortDesc: l.sortDesc === true,
  };
}

/** options.tooltip with defaults (single, unsorted). */
export function tooltipOptions(options: Record<string, unknown> | undefined): TooltipOptions {
  const t = obj(options?.tooltip);
  return {
    mode: t.mode === 'multi' || t.mode === 'none' ? t.mode : 'single',
    sort: t.sort === 'asc' || t.sort === 'desc' ? t.sort : 'none',
  };
}

const CALC_NAMES: Record<string, string> = {
  mean: 'Mean', max: 'Max', min: 'Min', sum: 'Total', count: 'Count', range: 'Range', delta: 'Delta', diff: 'Difference',
  first: 'First', firstNotNull: 'First *', last: 'Last', lastNotNull: 'Last *', median: 'Median', variance: 'Variance',
  stdDev: 'StdDev', logmin: 'Min (above zero)', allIsNull: 'All null', allIsZero: 'All zero', distinctCount: 'Distinct count',
  changeCount: 'Change count', diffperc: 'Difference percent', step: 'Min interval',
};

/** Grafana's column title of a reducer id. */
export function calcTitle(calc: string): string {
  return CALC_NAMES[calc] ?? calc;
}

/** A legend cell: the raw number (for sorting) and its formatted text. */
export interface LegendValue {
  calc: string;
  value: number | null;
  text: string;
}

/** The legend's calculated values of one series. Count is shown without the unit. */
export function legendValues(values: ArrayLike<unknown>, calcs: string[], unit?: string, decimals?: number | null): LegendValue[] {
  return calcs.map((calc) => {
    const value = reduceValues(values, calc);
    const text = value == null ? '-' : calc === 'count' || calc === 'distinctCount' || calc === 'changeCount'
      ? String(value) : formatNumber(value, unit, decimals);
    return { calc, value, text };
  });
}

/**
 * The hidden set after a legend click on `key` (Grafana's SeriesVisibilityChangeBehavior):
 * plain click isolates `key`, or shows everything when `key` is already isolated;
 * ctrl/cmd-click toggles `key` alone.
 */
export function toggleSeries(hidden: ReadonlySet<string>, key: string, all: string[], toggle: boolean): Set<string> {
  if (toggle) {
    const next = new Set(hidden);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    // Hiding the last visible series shows everything again rather than an empty plot.
    if (all.every((k) => next.has(k))) return new Set();
    return next;
  }
  const isolated = !hidden.has(key) && all.every((k) => k === key || hidden.has(k));
  if (isolated) return new Set();
  return new Set(all.filter((k) => k !== key));
}
