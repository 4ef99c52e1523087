//! Pure builders from frames + panel to what uPlot needs: the list of drawn series with their
//! style and color, the y scales and axes (one per unit, left/right/hidden), stacking groups,
//! and the uPlot options themselves. No DOM access here except through callbacks uPlot calls
//! when it draws, so everything is unit-tested in Node.

import uPlot from 'uplot';
import type { FieldConfig, Thresholds } from '../../api/dashboard';
import type { DataFrame, Field } from '../../data/frame';
import { displayName } from '../../data/frame';
import type { PlotOptions } from '../../components/uplot/Plot';
import { formatNumber, resolveColor } from '../../components/uplot/shared';
import type { ChartTheme } from '../../components/uplot/theme';
import { withAlpha } from '../../components/uplot/theme';
import { timeAxisValues, tzDateFn } from '../../components/uplot/timeAxis';
import type { TimeRange } from '../types';
import type { AlignInput, StackGroup } from './align';
import { fieldColor, seriesStyle, type SeriesStyle } from './style';

/** One drawn series: a number field of a frame, with its time column. */
export interface PlotSeries {
  /** Stable id (label, plus a suffix for the overlay), used for legend toggles. */
  key: string;
  label: string;
  field: Field;
  time: number[];
  values: unknown[];
  /** A "compare with" series. */
  overlay: boolean;
  style: SeriesStyle;
  color: string;
  unit?: string;
  decimals?: number | null;
  /** The uPlot scale key of its y axis. */
  scaleKey: string;
}

/** One y scale and its axis. */
export interface ScaleInfo {
  key: string;
  unit?: string;
  decimals?: number | null;
  placement: 'left' | 'right' | 'hidden';
  label: string;
  min: number | null;
  max: number | null;
  softMin: number | null;
  softMax: number | null;
  centeredZero: boolean;
  type: 'linear' | 'log' | 'symlog';
  logBase: number;
  linearThreshold: number;
  /** Percent stacking draws on a fixed 0..1 scale. */
  percent: boolean;
  /** The axis color when `axisColorMode` is 'series'. */
  color: string | null;
}

/** Everything the plot options are built from. */
export interface TimeSeriesModel {
  series: PlotSeries[];
  scales: ScaleInfo[];
  stacking: StackGroup[];
  /** Thresholds drawn on the plot (from the first field that asks for them). */
  thresholds: { steps: Thresholds; mode: SeriesStyle['thresholdsMode']; scaleKey: string } | null;
}

/** The label suffix of an overlay frame: "(1d ago)" from "cpu (1d ago)", "1d ago" or "(1d ago)". */
export function overlaySuffix(frameName: string | undefined): string {
  const name = (frameName ?? '').trim();
  const m = /\(([^()]*)\)\s*$/.exec(name);
  if (m) return `(${m[1].trim()})`;
  return name ? `(${name})` : '(compare)';
}

function timeField(frame: DataFrame): Field | undefined {
  return frame.fields.find((f) => f.type === 'time');
}

function lastNumber(values: unknown[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

/** Series key for one field: its label, made unique within the panel. */
function uniqueKey(base: string, seen: Map<string, number>): string {
  const n = seen.get(base) ?? 0;
  seen.set(base, n + 1);
  return n === 0 ? base : `${base}#${n + 1}`;
}

/** The drawn series of frames (number fields with a time column) and of the overlay frames. */
export function collectSeries(frames: DataFrame[], overlay: DataFrame[] | undefined): PlotSeries[] {
  const out: PlotSeries[] = [];
  const seen = new Map<string, number>();
  let colorIndex = 0;
  for (const frame of frames) {
    const tf = timeField(frame);
    if (!tf) continue;
    for (const field of frame.fields) {
      if (field.type !== 'number') continue;
      const label = displayName(field, frame);
      const style = seriesStyle(field.config);
      const color = fieldColor(field.config, colorIndex++, label, lastNumber(field.values));
      out.push({
        key: uniqueKey(label, seen), label, field, time: tf.values as number[], values: field.values, overlay: false, style, color,
        unit: field.config.unit, decimals: field.config.decimals, scaleKey: '',
      });
    }
  }
  for (const frame of overlay ?? []) {
    const tf = timeField(frame);
    if (!tf) continue;
    const suffix = overlaySuffix(frame.name);
    for (const field of frame.fields) {
      if (field.type !== 'number') continue;
      const plain = displayName(field).replace(/\s*\([^()]*\)\s*$/, '');
      const label = `${plain} ${suffix}`;
      // The overlay follows its current series: same color, axis and unit, never stacked.
      const main = out.find((m) => !m.overlay && m.label === plain);
      const own = seriesStyle(field.config);
      const style = {
        ...own,
        axisPlacement: main?.style.axisPlacement ?? own.axisPlacement,
        scaleType: main?.style.scaleType ?? own.scaleType,
        logBase: main?.style.logBase ?? own.logBase,
        stackingMode: 'none' as const,
        thresholdsMode: 'off' as const,
        lineDash: [6, 4],
      };
      const color = main?.color ?? fieldColor(field.config, colorIndex++, plain, null);
      const cfg = main ? { ...field.config, unit: main.unit, min: main.field.config.min, max: main.field.config.max } : field.config;
      out.push({
        key: uniqueKey(label, seen), label, field: main ? { ...field, config: cfg } : field, time: tf.values as number[],
        values: field.values, overlay: true, style: main ? { ...style, axisSoftMin: main.style.axisSoftMin, axisSoftMax: main.style.axisSoftMax } : style,
        color, unit: cfg.unit, decimals: cfg.decimals, scaleKey: '',
      });
    }
  }
  return out;
}

/** The current time/value columns of the drawn series, in `collectSeries` order (no copies). */
export function seriesColumns(frames: DataFrame[], overlay: DataFrame[] | undefined, out: AlignInput[] = []): AlignInput[] {
  out.length = 0;
  for (const frame of [...frames, ...(overlay ?? [])]) {
    const tf = timeField(frame);
    if (!tf) continue;
    for (const field of frame.fields) if (field.type === 'number') out.push({ time: tf.values as number[], values: field.values });
  }
  return out;
}

/**
 * Groups series onto y scales, one per unit (as Grafana does), and places the axes: explicit
 * left/right/hidden wins; 'auto' puts the first scale left and the others right. Percent
 * stacking gets its own 0..1 scale. Sets each series' `scaleKey`.
 */
export function assignScales(series: PlotSeries[]): ScaleInfo[] {
  const scales: ScaleInfo[] = [];
  const byKey = new Map<string, ScaleInfo>();
  for (const s of series) {
    const st = s.style;
    const percent = st.stackingMode === 'percent';
    const unit = percent ? 'percentunit' : s.unit;
    // As Grafana: one scale per unit, split further by anything that makes the axes differ.
    const limits = [s.field.config.min, s.field.config.max, st.axisSoftMin, st.axisSoftMax].map((v) => v ?? '').join(',');
    const key = `y:${unit || 'none'}${st.scaleType !== 'linear' ? `:${st.scaleType}${st.logBase}` : ''}${
      st.axisPlacement === 'hidden' ? ':h' : st.axisPlacement === 'right' ? ':r' : ''}${limits === ',,,' ? '' : `:${limits}`}${
      st.axisCenteredZero ? ':c0' : ''}`;
    s.scaleKey = key;
    let sc = byKey.get(key);
    if (!sc) {
      sc = {
        key, unit, decimals: s.decimals, placement: st.axisPlacement === 'hidden' ? 'hidden' : 'left', label: st.axisLabel,
        min: percent ? 0 : numOrNull(s.field.config.min), max: percent ? 1 : numOrNull(s.field.config.max),
        softMin: st.axisSoftMin, softMax: st.axisSoftMax, centeredZero: st.axisCenteredZero, type: st.scaleType,
        logBase: st.logBase, linearThreshold: st.linearThreshold, percent,
        color: st.axisColorMode === 'series' ? s.color : null,
      };
      byKey.set(key, sc);
      scales.push(sc);
      (sc as ScaleInfo & { _placement?: string })._placement = st.axisPlacement;
    }
  }
  let visible = 0;
  for (const sc of scales) {
    const asked = (sc as ScaleInfo & { _placement?: string })._placement;
    delete (sc as ScaleInfo & { _placement?: string })._placement;
    if (asked === 'hidden') continue;
    sc.placement = asked === 'left' || asked === 'right' ? asked : visible === 0 ? 'left' : 'right';
    visible++;
  }
  return scales;
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Stacking groups (1-based uPlot column indexes) of the visible series, by mode and group name. */
export function stackGroups(series: PlotSeries[], hidden: ReadonlySet<string>): StackGroup[] {
  const groups = new Map<string, StackGroup>();
  series.forEach((s, i) => {
    if (s.overlay || s.style.stackingMode === 'none' || hidden.has(s.key) || s.style.hideViz) return;
    const id = `${s.style.stackingMode}|${s.style.stackingGroup}|${s.scaleKey}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { mode: s.style.stackingMode as StackGroup['mode'], series: [] }));
    g.series.push(i + 1);
  });
  return [...groups.values()];
}

/** The model of a time series panel. */
export function buildModel(frames: DataFrame[], overlay: DataFrame[] | undefined, hidden: ReadonlySet<string>): TimeSeriesModel {
  const series = collectSeries(frames, overlay);
  const scales = assignScales(series);
  const stacking = stackGroups(series, hidden);
  let thresholds: TimeSeriesModel['thresholds'] = null;
  for (const s of series) {
    const steps = s.field.config.thresholds;
    if (!s.overlay && s.style.thresholdsMode !== 'off' && s.style.thresholdsMode !== 'series' && steps) {
      thresholds = { steps, mode: s.style.thresholdsMode, scaleKey: s.scaleKey };
      break;
    }
  }
  return { series, scales, stacking, thresholds };
}

/**
 * The y range: the data range widened by soft min/max, rounded to nice values, then clamped by
 * hard min/max. Log scales round to powers of the base; `centeredZero` makes it symmetric.
 */
export function yRange(dataMin: number | null, dataMax: number | null, sc: ScaleInfo): [number, number] {
  if (sc.percent) return [sc.min ?? 0, sc.max ?? 1];
  let lo = dataMin;
  let hi = dataMax;
  if (lo == null || hi == null || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = sc.softMin ?? sc.min ?? 0;
    hi = sc.softMax ?? sc.max ?? (sc.type === 'log' ? lo * sc.logBase || 10 : lo + 1);
  }
  // Soft limits win when the data stays inside them, else the data's padded range does.
  const softLo = sc.softMin != null && lo >= sc.softMin ? sc.softMin : null;
  const softHi = sc.softMax != null && hi <= sc.softMax ? sc.softMax : null;
  if (sc.centeredZero) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -m;
    hi = m;
  }
  let r: [number, number];
  if (sc.type === 'log') {
    const pos = (v: number) => (v > 0 ? v : 1);
    const rl = uPlot.rangeLog(pos(lo), pos(Math.max(hi, lo)), (sc.logBase === 10 ? 10 : 2) as uPlot.Scale.LogBase, true);
    r = [rl[0] ?? 1, rl[1] ?? sc.logBase];
  } else if (sc.type === 'symlog') {
    const rs = uPlot.rangeAsinh(lo, hi, 10, true);
    r = [rs[0] ?? lo, rs[1] ?? hi];
  } else {
    const rn = uPlot.rangeNum(lo, hi, 0.1, true);
    r = [rn[0] ?? lo, rn[1] ?? hi];
    // Keep a zero baseline when all values are positive and close to it (Grafana's nice range does).
    if (lo >= 0 && r[0] < 0) r[0] = 0;
  }
  if (softLo != null) r[0] = softLo;
  if (softHi != null) r[1] = softHi;
  if (sc.min != null) r[0] = sc.min;
  if (sc.max != null) r[1] = sc.max;
  if (r[0] === r[1]) r[1] = r[0] + 1;
  return r;
}

/** How many pixels a plot of this size keeps between ticks; part of the options identity. */
export type SizeClass = 'xs' | 's' | 'm' | 'l';

/** The size class of a plot. */
export function sizeClass(width: number, height: number): SizeClass {
  const m = Math.min(width, height * 2.5);
  return m < 250 ? 'xs' : m < 500 ? 's' : m < 1000 ? 'm' : 'l';
}

/** What the options builder needs besides the model. */
export interface BuildEnv {
  theme: ChartTheme;
  themeName: 'dark' | 'light';
  timeZone: string;
  hidden: ReadonlySet<string>;
  size: SizeClass;
  /** Read when uPlot ranges the x scale, so a time range change needs no rebuild. */
  timeRange(): TimeRange;
}

const PATHS = {
  linear: uPlot.paths.linear!(),
  smooth: uPlot.paths.spline!(),
  stepBefore: uPlot.paths.stepped!({ align: -1 }),
  stepAfter: uPlot.paths.stepped!({ align: 1 }),
};
const barPaths = new Map<string, uPlot.Series.PathBuilder>();
function barsPath(factor: number, maxWidth: number, align: -1 | 0 | 1): uPlot.Series.PathBuilder {
  const k = `${factor}|${maxWidth}|${align}`;
  let p = barPaths.get(k);
  if (!p) barPaths.set(k, (p = uPlot.paths.bars!({ size: [factor, maxWidth], align })));
  return p;
}
const noPath: uPlot.Series.PathBuilder = () => null;

/** The uPlot path builder for a style. */
export function pathsFor(style: SeriesStyle): uPlot.Series.PathBuilder {
  if (style.drawStyle === 'points') return noPath;
  if (style.drawStyle === 'bars') return barsPath(style.barWidthFactor, style.barMaxWidth, style.barAlignment);
  return PATHS[style.lineInterpolation];
}

/** Opacity gradient of a fill: full `alpha` at the top of the plot, transparent at the bottom. */
function opacityFill(color: string, alpha: number): uPlot.Series.Fill {
  return (u: uPlot) => {
    const { top, height } = u.bbox;
    const g = u.ctx.createLinearGradient(0, top, 0, top + height);
    g.addColorStop(0, withAlpha(color, alpha));
    g.addColorStop(1, withAlpha(color, 0));
    return g;
  };
}

/** A vertical gradient with hard stops at the threshold values ("scheme" gradient mode). */
function thresholdsGradient(steps: Thresholds, scaleKey: string, alpha: number) {
  return (u: uPlot): CanvasGradient | string => {
    const { top, height } = u.bbox;
    const g = u.ctx.createLinearGradient(0, top + height, 0, top);
    const sc = u.scales[scaleKey];
    const min = sc.min ?? 0;
    const max = sc.max ?? 1;
    let prev = withAlpha(resolveColor(steps.steps[0]?.color), alpha);
    g.addColorStop(0, prev);
    for (const st of steps.steps.slice(1)) {
      if (st.value == null) continue;
      const v = steps.mode === 'percentage' ? min + ((max - min) * st.value) / 100 : st.value;
      const px = u.valToPos(v, scaleKey, true);
      const f = Math.max(0, Math.min(1, (top + height - px) / height));
      const c = withAlpha(resolveColor(st.color), alpha);
      g.addColorStop(f, prev);
      g.addColorStop(f, c);
      prev = c;
    }
    g.addColorStop(1, prev);
    return g;
  };
}

/** Gap refiner for a numeric `spanNulls`: no line between points further apart than `ms`. */
function gapsOver(ms: number): uPlot.Series.GapsRefiner {
  return (u, si, i0, i1) => {
    const xs = u.data[0];
    const ys = u.data[si];
    const gaps: [number, number][] = [];
    let prev = -1;
    for (let i = i0; i <= i1; i++) {
      if (ys[i] == null) continue;
      if (prev >= 0 && xs[i] - xs[prev] > ms) {
        gaps.push([Math.round(u.valToPos(xs[prev], 'x', true)) + 1, Math.round(u.valToPos(xs[i], 'x', true))]);
      }
      prev = i;
    }
    return gaps;
  };
}

/** The uPlot series entry of one drawn series. */
export function seriesOptions(s: PlotSeries, env: BuildEnv, thresholds: Thresholds | undefined): uPlot.Series {
  const st = s.style;
  const alphaLine = s.overlay ? 0.5 : 1;
  const color = s.color;
  const lineColor = withAlpha(color, alphaLine);
  let stroke: uPlot.Series.Stroke = lineColor;
  let fill: uPlot.Series.Fill | undefined;
  const fillAlpha = (st.fillOpacity / 100) * alphaLine;
  const scheme = st.gradientMode === 'scheme' && s.field.config.color?.mode === 'thresholds' && thresholds;
  if (scheme) stroke = thresholdsGradient(thresholds, s.scaleKey, alphaLine);
  if (st.fillOpacity > 0) {
    if (scheme) fill = thresholdsGradient(thresholds, s.scaleKey, fillAlpha);
    else if (st.gradientMode === 'opacity' || st.gradientMode === 'hue') fill = opacityFill(color, fillAlpha);
    else fill = withAlpha(color, fillAlpha);
  }
  const hidden = env.hidden.has(s.key) || st.hideViz;
  const points: uPlot.Series.Points = {
    size: st.pointSize,
    stroke: lineColor,
    fill: lineColor,
    width: st.drawStyle === 'points' ? 0 : Math.max(1, st.lineWidth),
  };
  if (st.drawStyle === 'points' || st.showPoints === 'always') points.show = true;
  else if (st.showPoints === 'never' || st.drawStyle === 'bars') points.show = false;
  const out: uPlot.Series = {
    label: s.label,
    scale: s.scaleKey,
    show: !hidden,
    stroke,
    width: st.drawStyle === 'bars' ? Math.min(st.lineWidth, 1) : st.lineWidth,
    paths: pathsFor(st),
    points,
    spanGaps: st.spanNulls !== false,
  };
  if (fill) out.fill = fill;
  if (st.lineDash && st.drawStyle === 'line') out.dash = st.lineDash;
  if (typeof st.spanNulls === 'number') out.gaps = gapsOver(st.spanNulls);
  return out;
}

/** The canvas font size of tick labels, in px. */
const TICK_FONT_PX = 12;

function axisSize(theme: ChartTheme) {
  return (u: uPlot, values: string[] | null, _i: number, cycle: number): number => {
    if (!values || values.length === 0) return 40;
    const ctx = u.ctx;
    ctx.save();
    ctx.font = theme.axisFont;
    let w = 0;
    for (const v of values) if (v) w = Math.max(w, ctx.measureText(v).width);
    ctx.restore();
    // uPlot asks again when labels change; round up so the axis does not jitter on live data.
    const size = Math.ceil((w + 14) / 8) * 8;
    return cycle > 1 ? Math.max(size, 32) : size;
  };
}

/** Draws thresholds under the series as lines, areas or both (custom.thresholdsStyle). */
export function drawThresholds(u: uPlot, spec: NonNullable<TimeSeriesModel['thresholds']>): void {
  const sc = u.scales[spec.scaleKey];
  if (!sc || sc.min == null || sc.max == null) return;
  const { left, top, width, height } = u.bbox;
  const ctx = u.ctx;
  const steps = spec.steps.steps;
  const value = (v: number | null) =>
    v == null ? -Infinity : spec.steps.mode === 'percentage' ? sc.min! + ((sc.max! - sc.min!) * v) / 100 : v;
  const ypx = (v: number) => {
    if (v === -Infinity) return top + height;
    if (v === Infinity) return top;
    return Math.max(top, Math.min(top + height, u.valToPos(v, spec.scaleKey, true)));
  };
  const area = spec.mode === 'area' || spec.mode === 'line+area' || spec.mode === 'dashed+area';
  const line = spec.mode !== 'area';
  const dashed = spec.mode === 'dashed' || spec.mode === 'dashed+area';
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  for (let i = 0; i < steps.length; i++) {
    const color = resolveColor(steps[i].color);
    const from = value(i === 0 ? null : steps[i].value);
    const to = i + 1 < steps.length ? value(steps[i + 1].value) : Infinity;
    if (area) {
      const y0 = ypx(from);
      const y1 = ypx(to);
      if (y0 > y1) {
        ctx.fillStyle = withAlpha(color, 0.15);
        ctx.fillRect(left, y1, width, y0 - y1);
      }
    }
    if (line && i > 0 && Number.isFinite(from)) {
      const y = Math.round(ypx(from)) + 0.5;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2 * (devicePixelRatioOf());
      ctx.setLineDash(dashed ? [10, 10] : []);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
    }
  }
  ctx.restore();
}

function devicePixelRatioOf(): number {
  return typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
}

/** The uPlot options of a model (without size and interaction hooks). */
export function buildPlotOptions(model: TimeSeriesModel, env: BuildEnv): PlotOptions {
  const { theme } = env;
  const xSpace = env.size === 'xs' ? 90 : env.size === 's' ? 80 : 70;
  const ySpace = env.size === 'xs' ? 24 : 30;
  const scales: uPlot.Scales = {
    x: {
      time: true,
      range: (_u, min, max) => {
        const tr = env.timeRange();
        return tr && tr.to > tr.from ? [tr.from, tr.to] : [min, max];
      },
    },
  };
  for (const sc of model.scales) {
    scales[sc.key] = {
      auto: true,
      distr: sc.type === 'log' ? 3 : sc.type === 'symlog' ? 4 : 1,
      log: sc.type === 'log' ? (sc.logBase === 10 ? 10 : 2) : undefined,
      asinh: sc.type === 'symlog' ? sc.linearThreshold : undefined,
      range: (_u, min, max) => yRange(min, max, sc),
    } as uPlot.Scale;
  }
  const tickStroke = theme.axisText;
  const axes: uPlot.Axis[] = [
    {
      scale: 'x',
      stroke: tickStroke,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { show: true, stroke: theme.grid, width: 1, size: 4 },
      border: { show: false },
      font: theme.axisFont,
      space: xSpace,
      size: TICK_FONT_PX + 16,
      gap: 4,
      values: timeAxisValues(env.timeZone),
    },
  ];
  let firstShown = true;
  for (const sc of model.scales) {
    const color = sc.color ?? tickStroke;
    // An axis whose series are all hidden goes away with them, as in Grafana.
    const used = model.series.some((s) => s.scaleKey === sc.key && !s.style.hideViz && !env.hidden.has(s.key));
    axes.push({
      scale: sc.key,
      show: sc.placement !== 'hidden' && used,
      side: sc.placement === 'right' ? 1 : 3,
      stroke: color,
      grid: { show: firstShown && sc.placement !== 'hidden' && used, stroke: theme.grid, width: 1 },
      ticks: { show: false },
      border: { show: false },
      font: theme.axisFont,
      labelFont: theme.axisFont,
      label: sc.label || undefined,
      labelSize: sc.label ? 18 : 0,
      space: ySpace,
      gap: 6,
      size: axisSize(theme),
      values: (_u, splits, _axis, _space, incr) => {
        // Without explicit decimals, ticks get as many as their step needs (0.5 → "0.5").
        const decimals = sc.decimals ?? tickDecimals(incr);
        return splits.map((v) => (v == null ? '' : formatNumber(v, sc.unit, decimals)));
      },
    });
    if (sc.placement !== 'hidden' && used) firstShown = false;
  }
  const series: uPlot.Series[] = [{}];
  for (const s of model.series) series.push(seriesOptions(s, env, s.field.config.thresholds));

  // Stacked series fill down to the series under them, not to zero.
  const bands: uPlot.Band[] = [];
  for (const g of model.stacking) {
    for (let i = 1; i < g.series.length; i++) bands.push({ series: [g.series[i], g.series[i - 1]] });
  }

  const hooks: uPlot.Hooks.Arrays = {};
  const spec = model.thresholds;
  if (spec) hooks.drawClear = [(u) => drawThresholds(u, spec)];

  const opts: PlotOptions = {
    ms: 1,
    tzDate: tzDateFn(env.timeZone),
    // null sides are sized by uPlot so the last time label is not clipped.
    padding: [8, null, 0, null],
    legend: { show: false },
    cursor: {
      x: true,
      y: false,
      drag: { x: true, y: false, setScale: false },
      points: { size: 8, width: 2 },
      focus: { prox: 30 },
    },
    focus: { alpha: 1 },
    scales,
    axes,
    series,
    hooks,
  };
  if (bands.length) opts.bands = bands;
  if (!opts.tzDate) delete opts.tzDate;
  return opts;
}

/** A stable string of everything that shapes the plot options (not the points). */
export function structureKey(frames: DataFrame[], overlay: DataFrame[] | undefined): string {
  const parts: string[] = [];
  const walk = (fs: DataFrame[], tag: string) => {
    for (const f of fs) {
      parts.push(`${tag}${f.name ?? ''}`);
      for (const field of f.fields) {
        if (field.type !== 'number' && field.type !== 'time') continue;
        parts.push(`${field.name}|${field.type}|${JSON.stringify(field.labels ?? {})}|${configKey(field.config)}`);
      }
    }
  };
  walk(frames, 'f:');
  walk(overlay ?? [], 'o:');
  return parts.join('\n');
}

const configKeys = new WeakMap<FieldConfig, string>();
function configKey(c: FieldConfig): string {
  let k = configKeys.get(c);
  if (k === undefined) configKeys.set(c, (k = JSON.stringify(c)));
  return k;
}

/** Decimals a tick step needs: 0.5 → 1, 0.25 → 2, 10 → 0; null when unknown. */
export function tickDecimals(incr: number | undefined): number | null {
  if (!incr || !Number.isFinite(incr) || incr <= 0) return null;
  for (let d = 0; d <= 10; d++) {
    if (Math.abs(Math.round(incr * 10 ** d) - incr * 10 ** d) < 1e-6 * 10 ** d) return d;
  }
  return null;
}
