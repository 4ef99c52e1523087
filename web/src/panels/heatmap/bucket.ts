//! Heatmap cells from frames, as Grafana's heatmap panel builds them: (a) already bucketed
//! series (Prometheus `le` histograms, one series per bucket, options.calculate false), drawn on
//! an ordinal y axis with the bucket bounds as labels; (b) calculated from raw series
//! (options.calculate true) with x/y buckets by count or size, linear or log y.

import type { DataFrame, Field } from '../../data/frame';
import { DataAligner } from '../timeseries/align';
import { parseDuration as parseTimeDuration } from '../../lib/time';

/** The heatmap's cells: `counts[x * rows + y]`, x buckets left to right, y bottom to top. */
export interface HeatmapCells {
  /** Start time of each x bucket (ms). */
  xStart: number[];
  /** End time of each x bucket (ms). */
  xEnd: number[];
  /** y bucket bounds, `rows + 1` values (numeric layout) or row edges 0..rows (ordinal). */
  yBounds: number[];
  /** Ordinal layout: the bucket names (one per row). */
  yNames?: string[];
  /** Where bucket names belong: 'le' upper bound, 'ge' lower bound, else the row middle. */
  yLayout: 'le' | 'ge' | 'unknown';
  ordinal: boolean;
  rows: number;
  counts: Float64Array;
  /** Smallest and largest count (for the color scale). */
  min: number;
  max: number;
}

/** options.calculation of Grafana's heatmap. */
export interface CalculateOptions {
  xBuckets?: { mode?: 'size' | 'count'; value?: string };
  yBuckets?: { mode?: 'size' | 'count'; value?: string; scale?: { type?: 'linear' | 'log'; log?: number } };
}

/**
 * A bucket size: a plain number is ms (Grafana's heatmap reads it so), anything else a duration
 * as `lib/time` parses it ('30s', '5m', '1h30m'); null when unparsable.
 */
export function parseDuration(text: string | undefined): number | null {
  if (!text) return null;
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const ms = parseTimeDuration(t);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

/** The numeric bound of a bucket name: '0.5' -> 0.5, '+Inf' -> Infinity; NaN when not numeric. */
export function bucketBound(name: string): number {
  const n = name.trim();
  if (/^\+?inf$/i.test(n)) return Infinity;
  if (/^-inf$/i.test(n)) return -Infinity;
  return n === '' ? NaN : Number(n);
}

function bucketName(field: Field, frame: DataFrame): string {
  return field.labels?.le ?? field.labels?.ge ?? field.config.displayName ?? (field.name && field.name !== 'Value' ? field.name : frame.name ?? '');
}

function timeOf(frame: DataFrame): Field | undefined {
  return frame.fields.find((f) => f.type === 'time');
}

function minMax(counts: Float64Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const c of counts) {
    if (c < min) min = c;
    if (c > max) max = c;
  }
  return min === Infinity ? [0, 0] : [min, max];
}

/** The typical step of a sorted time column (median difference), or 0. */
export function typicalStep(times: ArrayLike<number>): number {
  const d: number[] = [];
  for (let i = 1; i < times.length; i++) if (times[i] > times[i - 1]) d.push(times[i] - times[i - 1]);
  if (!d.length) return 0;
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)];
}

/**
 * Cells of pre-bucketed series. Buckets sort by their numeric bound (names that are not numbers
 * keep their order). With `le` labels and cumulative counts (each bucket >= the one below, as
 * Prometheus histograms are), counts are de-accumulated, as Grafana's Prometheus heatmap format
 * does. Each timestamp ends its cell (a rate over the step before it).
 */
export function bucketedCells(frames: DataFrame[], layoutOption?: string): HeatmapCells | null {
  const buckets: { name: string; bound: number; time: ArrayLike<number>; values: ArrayLike<unknown>; le: boolean }[] = [];
  for (const frame of frames) {
    const tf = timeOf(frame);
    if (!tf) continue;
    for (const f of frame.fields) {
      if (f.type !== 'number') continue;
      const name = bucketName(f, frame);
      buckets.push({ name, bound: bucketBound(name), time: tf.values as number[], values: f.values, le: f.labels?.le != null });
    }
  }
  if (!buckets.length) return null;
  if (buckets.every((b) => !Number.isNaN(b.bound))) buckets.sort((a, b) => a.bound - b.bound);
  const aligned = new DataAligner().align(buckets.map((b) => ({ time: b.time, values: b.values })));
  const times = aligned[0] as number[];
  const nx = times.length;
  const rows = buckets.length;
  const counts = new Float64Array(nx * rows);
  for (let y = 0; y < rows; y++) {
    const col = aligned[y + 1];
    for (let x = 0; x < nx; x++) {
      const v = col[x];
      counts[x * rows + y] = typeof v === 'number' && Number.isFinite(v) ? v : 0;
    }
  }
  const leLabels = buckets.every((b) => b.le);
  if (leLabels && isCumulative(counts, nx, rows)) {
    for (let x = 0; x < nx; x++) {
      for (let y = rows - 1; y > 0; y--) counts[x * rows + y] = Math.max(0, counts[x * rows + y] - counts[x * rows + y - 1]);
    }
  }
  const step = typicalStep(times) || 60_000;
  const xStart = new Array<number>(nx);
  const xEnd = new Array<number>(nx);
  for (let x = 0; x < nx; x++) {
    const prev = x > 0 ? times[x] - times[x - 1] : step;
    xStart[x] = times[x] - Math.min(prev, step * 2);
    xEnd[x] = times[x];
  }
  const layout = layoutOption === 'ge' ? 'ge' : layoutOption === 'unknown' ? 'unknown' : 'le';
  const [min, max] = minMax(counts);
  return {
    xStart, xEnd, yBounds: Array.from({ length: rows + 1 }, (_, i) => i), yNames: buckets.map((b) => b.name), yLayout: layout,
    ordinal: true, rows, counts, min, max,
  };
}

function isCumulative(counts: Float64Array, nx: number, rows: number): boolean {
  let rising = false;
  for (let x = 0; x < nx; x++) {
    for (let y = 1; y < rows; y++) {
      const d = counts[x * rows + y] - counts[x * rows + y - 1];
      if (d < 0) return false;
      if (d > 0) rising = true;
    }
  }
  return rising;
}

/** Rounds a raw bucket size up to 1, 2, 2.5 or 5 × 10^n. */
export function niceSize(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/**
 * Cells counted from raw series values (Grafana's "calculate from data"). x buckets are aligned
 * to multiples of their size; y buckets too (linear), or to powers of the log base, each power
 * split in `value` parts. `range` bounds the x buckets (the panel's time range).
 */
export function calculateCells(frames: DataFrame[], calc: CalculateOptions, range: { from: number; to: number }): HeatmapCells | null {
  const pts: { t: number; v: number }[] = [];
  let tMin = Infinity, tMax = -Infinity, vMin = Infinity, vMax = -Infinity;
  let step = Infinity;
  const logY = calc.yBuckets?.scale?.type === 'log';
  const base = calc.yBuckets?.scale?.log === 10 ? 10 : 2;
  for (const frame of frames) {
    const tf = timeOf(frame);
    if (!tf) continue;
    const ts = tf.values as number[];
    const s = typicalStep(ts);
    if (s > 0) step = Math.min(step, s);
    for (const f of frame.fields) {
      if (f.type !== 'number') continue;
      for (let i = 0; i < ts.length; i++) {
        const v = f.values[i];
        const t = ts[i];
        if (typeof v !== 'number' || !Number.isFinite(v) || (logY && v <= 0)) continue;
        pts.push({ t, v });
        if (t < tMin) tMin = t;
        if (t > tMax) tMax = t;
        if (v < vMin) vMin = v;
        if (v > vMax) vMax = v;
      }
    }
  }
  if (!pts.length) return null;
  const from = Math.min(range.from, tMin);
  const to = Math.max(range.to, tMax);
  // x bucket size: explicit size, or span/count, or the data step (at most 200 buckets).
  let xSize: number;
  const xb = calc.xBuckets;
  const xv = xb?.value?.trim();
  if (xb?.mode === 'count' && xv && Number(xv) > 0) xSize = (to - from) / Number(xv);
  else xSize = parseDuration(xv) ?? (Number.isFinite(step) ? step : (to - from) / 50);
  xSize = Math.max(xSize, (to - from) / 1000, 1);
  const byCount = xb?.mode === 'count' && Number(xv) > 0;
  const x0 = byCount ? from : Math.floor(from / xSize) * xSize;
  const nx = byCount ? Math.round(Number(xv)) : Math.max(1, Math.ceil((to - x0) / xSize + 1e-9));

  let yBounds: number[];
  let yIndex: (v: number) => number;
  if (logY) {
    const split = Math.max(1, Math.round(Number(calc.yBuckets?.value) || 1));
    const lo = Math.floor((Math.log(vMin) / Math.log(base)) * split);
    const hi = Math.floor((Math.log(vMax) / Math.log(base)) * split) + 1;
    yBounds = [];
    for (let k = lo; k <= hi; k++) yBounds.push(base ** (k / split));
    yIndex = (v) => Math.floor((Math.log(v) / Math.log(base)) * split + 1e-9) - lo;
  } else {
    const yb = calc.yBuckets;
    const yv = Number(yb?.value);
    const span = vMax - vMin || Math.abs(vMax) || 1;
    const size = yb?.mode === 'size' && yv > 0 ? yv : niceSize(span / (yb?.mode === 'count' && yv > 0 ? yv : 10));
    const lo = Math.floor(vMin / size);
    const hi = Math.floor(vMax / size) + 1;
    yBounds = [];
    for (let k = lo; k <= hi; k++) yBounds.push(+(k * size).toPrecision(12));
    yIndex = (v) => Math.floor(v / size + 1e-9) - lo;
  }
  const rows = yBounds.length - 1;
  const counts = new Float64Array(nx * rows);
  for (const p of pts) {
    const x = Math.min(nx - 1, Math.floor((p.t - x0) / xSize));
    const y = Math.min(rows - 1, Math.max(0, yIndex(p.v)));
    if (x >= 0 && x < nx) counts[x * rows + y]++;
  }
  const xStart = Array.from({ length: nx }, (_, i) => x0 + i * xSize);
  const xEnd = xStart.map((s) => s + xSize);
  const [min, max] = minMax(counts);
  return { xStart, xEnd, yBounds, yLayout: 'le', ordinal: false, rows, counts, min, max };
}

/** The y range of row `y` as text parts [low, high] (ordinal rows use neighbouring names). */
export function rowRange(cells: HeatmapCells, y: number): [string, string] {
  if (!cells.ordinal || !cells.yNames) return [String(cells.yBounds[y]), String(cells.yBounds[y + 1])];
  const n = cells.yNames;
  if (cells.yLayout === 'ge') return [n[y], y + 1 < n.length ? n[y + 1] : '+Inf'];
  if (cells.yLayout === 'le') return [y > 0 ? n[y - 1] : '0', n[y]];
  return [n[y], n[y]];
}
