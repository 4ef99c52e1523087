//! Aligning series on one time axis for uPlot, without allocating per live frame: the output
//! arrays are kept and refilled. Fast path: when every series shares its time column (the same
//! array, or equal values), the columns are passed through untouched; otherwise an outer join
//! on time (a k-way merge of sorted columns) where a series missing at a time gets `undefined`
//! (uPlot connects over it) and a real null stays null (a gap), as Grafana's joinByField does.

import type uPlot from 'uplot';

/** One series to align: its time column (sorted, epoch ms) and its values. */
export interface AlignInput {
  time: ArrayLike<number>;
  values: ArrayLike<unknown>;
}

type Column = (number | null | undefined)[];

function sameTimes(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  const n = a.length;
  if (n !== b.length) return false;
  if (n === 0) return true;
  if (a[0] !== b[0] || a[n - 1] !== b[n - 1]) return false;
  for (let i = 1; i < n - 1; i++) if (a[i] !== b[i]) return false;
  return true;
}

function num(v: unknown): number | null | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v === null) return null;
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Keeps the aligned arrays of one panel between frames. */
export class DataAligner {
  private time: number[] = [];
  private cols: Column[] = [];
  private out: uPlot.AlignedData = [[]];
  private cursor: number[] = [];
  /** True when the last `align` took the shared-time fast path. */
  lastWasFast = false;

  /** `[time, ...values]` for uPlot; the arrays are reused by the next call. */
  align(inputs: AlignInput[]): uPlot.AlignedData {
    const out = this.out as unknown[];
    out.length = inputs.length + 1;
    if (inputs.length === 0) {
      this.time.length = 0;
      out[0] = this.time;
      this.lastWasFast = true;
      return this.out;
    }
    const first = inputs[0].time;
    let shared = true;
    for (let i = 1; i < inputs.length && shared; i++) shared = sameTimes(first, inputs[i].time);
    let numeric = true;
    if (shared) {
      // Pass columns through when they hold only numbers/nulls (the usual live case).
      for (let i = 0; i < inputs.length && numeric; i++) {
        const v = inputs[i].values;
        const n = v.length;
        if (n > 0 && typeof v[0] !== 'number' && v[0] !== null) numeric = false;
        else if (n > 1 && typeof v[n - 1] !== 'number' && v[n - 1] !== null) numeric = false;
      }
    }
    this.lastWasFast = shared && numeric;
    if (this.lastWasFast) {
      out[0] = first;
      for (let i = 0; i < inputs.length; i++) out[i + 1] = inputs[i].values;
      return this.out;
    }
    this.join(inputs);
    out[0] = this.time;
    for (let i = 0; i < inputs.length; i++) out[i + 1] = this.cols[i];
    return this.out;
  }

  private join(inputs: AlignInput[]): void {
    const k = inputs.length;
    const time = this.time;
    while (this.cols.length < k) this.cols.push([]);
    this.cols.length = k;
    const cur = this.cursor;
    cur.length = k;
    const ts = inputs.map((i) => i.time);
    const vs = inputs.map((i) => i.values);
    const cols = this.cols;
    for (let s = 0; s < k; s++) cur[s] = 0;
    let row = 0;
    for (;;) {
      let t = Infinity;
      for (let s = 0; s < k; s++) {
        const c = cur[s];
        if (c < ts[s].length && ts[s][c] < t) t = ts[s][c];
      }
      if (t === Infinity) break;
      time[row] = t;
      for (let s = 0; s < k; s++) {
        let c = cur[s];
        const tcol = ts[s];
        if (c < tcol.length && tcol[c] === t) {
          // Duplicate times within one series: the later value wins, as appended live points do.
          let v = vs[s][c++];
          while (c < tcol.length && tcol[c] === t) v = vs[s][c++];
          cols[s][row] = typeof v === 'number' ? (Number.isFinite(v) ? v : null) : num(v);
          cur[s] = c;
        } else {
          cols[s][row] = undefined;
        }
      }
      row++;
    }
    time.length = row;
    for (let s = 0; s < k; s++) cols[s].length = row;
  }
}

/** How a stacking group adds up. */
export type StackMode = 'normal' | 'percent';

/** Series (by aligned column index, 1-based as in uPlot data) stacked together. */
export interface StackGroup {
  mode: StackMode;
  series: number[];
}

/**
 * Stacked copies of the aligned columns: column i of a group becomes the running sum of the
 * group's visible series up to i (or its share of the total with `percent`). Columns not in a
 * group are passed through. `target` is reused between calls.
 */
export function stackData(data: uPlot.AlignedData, groups: StackGroup[], target: unknown[] = []): uPlot.AlignedData {
  target.length = data.length;
  for (let i = 0; i < data.length; i++) target[i] = data[i];
  const n = data[0].length;
  const reuse = (target as { _cols?: Column[] })._cols ?? [];
  (target as { _cols?: Column[] })._cols = reuse;
  let r = 0;
  for (const g of groups) {
    let prev: Column | null = null;
    const holder = target as { _totals?: number[] };
    const totals: number[] | null = g.mode === 'percent' ? (holder._totals ??= []) : null;
    if (totals) {
      totals.length = n;
      totals.fill(0);
    }
    if (totals) {
      for (const si of g.series) {
        const src = data[si] as ArrayLike<number | null | undefined>;
        for (let j = 0; j < n; j++) {
          const v = src[j];
          if (v != null) totals[j] += Math.abs(v);
        }
      }
    }
    for (const si of g.series) {
      const src = data[si] as ArrayLike<number | null | undefined>;
      const col: Column = reuse[r] ?? (reuse[r] = []);
      r++;
      col.length = n;
      for (let j = 0; j < n; j++) {
        const v = src[j];
        const base = prev ? prev[j] ?? 0 : 0;
        if (v == null) {
          // A missing point keeps the stack under it, so upper series do not fall to zero.
          col[j] = prev ? base : v;
          continue;
        }
        const add = totals ? (totals[j] ? v / totals[j] : 0) : v;
        col[j] = (base ?? 0) + add;
      }
      target[si] = col;
      prev = col;
    }
  }
  return target as uPlot.AlignedData;
}
