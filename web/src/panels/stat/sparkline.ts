// The stat panel's sparkline: the field's points in the time range, reduced to at most two per
// pixel column (min and max), as canvas coordinates; and the drawing of it.

import { withAlpha } from '../common/color';

/** Canvas points of a sparkline, x ascending. */
export interface SparkPoints {
  xs: number[];
  ys: number[];
}

/** Points of `y` over `x` (epoch ms) in [from, to], scaled into w x h (y grows downwards), with at
 * most a min and a max per pixel column so 10,000 points draw as cheaply as 2w. Without a time
 * range the points spread over the width by index. Nulls are skipped. */
export function sparklinePoints(
  x: unknown[],
  y: unknown[],
  w: number,
  h: number,
  range?: { from: number; to: number },
  yRange?: { min?: number | null; max?: number | null },
): SparkPoints {
  const n = Math.min(x.length, y.length);
  let from = range?.from ?? 0;
  let to = range?.to ?? Math.max(1, n - 1);
  let lo = Infinity;
  let hi = -Infinity;
  const idx: number[] = [];
  const tx = (i: number) => (range ? (x[i] as number) : i);
  if (range) {
    // If no point lies in the range (clock skew), fall back to the data's own extent.
    let inRange = 0;
    for (let i = 0; i < n; i++) {
      const t = x[i];
      if (typeof t === 'number' && t >= from && t <= to) inRange++;
    }
    if (inRange === 0 && n > 0) {
      from = x[0] as number;
      to = x[n - 1] as number;
    }
  }
  for (let i = 0; i < n; i++) {
    const v = y[i];
    const t = tx(i);
    if (typeof v !== 'number' || !Number.isFinite(v) || typeof t !== 'number' || t < from || t > to) continue;
    idx.push(i);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (yRange?.min != null) lo = yRange.min;
  if (yRange?.max != null) hi = yRange.max;
  const xs: number[] = [];
  const ys: number[] = [];
  if (idx.length === 0) return { xs, ys };
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const span = to - from || 1;
  const px = (t: number) => ((t - from) / span) * w;
  const py = (v: number) => h - ((v - lo) / (hi - lo)) * h;
  let col = NaN;
  let cMin = 0;
  let cMax = 0;
  let cFirst = 0;
  let cLast = 0;
  const flush = () => {
    if (Number.isNaN(col)) return;
    // Keep the column's shape: first, extremes in order, last.
    const pts = [cFirst, cMin, cMax, cLast];
    let prev = NaN;
    for (const v of cMin === cMax ? [cFirst] : pts) {
      if (v === prev) continue;
      xs.push(col);
      ys.push(py(v));
      prev = v;
    }
  };
  for (const i of idx) {
    const x0 = Math.round(px(tx(i)));
    const v = y[i] as number;
    if (x0 !== col) {
      flush();
      col = x0;
      cMin = cMax = cFirst = cLast = v;
    } else {
      if (v < cMin) cMin = v;
      if (v > cMax) cMax = v;
      cLast = v;
    }
  }
  flush();
  return { xs, ys };
}

/** Draws the points as a line with a faded area below, in `color`, on a canvas already sized. */
export function drawSparkline(ctx: CanvasRenderingContext2D, pts: SparkPoints, w: number, h: number, color: string, fillAlpha = 0.2): void {
  ctx.clearRect(0, 0, w, h);
  if (pts.xs.length === 0) return;
  const line = 1.5;
  ctx.beginPath();
  ctx.moveTo(pts.xs[0], pts.ys[0]);
  for (let i = 1; i < pts.xs.length; i++) ctx.lineTo(pts.xs[i], pts.ys[i]);
  if (pts.xs.length === 1) ctx.lineTo(w, pts.ys[0]);
  ctx.lineWidth = line;
  ctx.strokeStyle = color;
  ctx.lineJoin = 'round';
  ctx.stroke();
  const lastX = pts.xs.length === 1 ? w : pts.xs[pts.xs.length - 1];
  ctx.lineTo(lastX, h);
  ctx.lineTo(pts.xs[0], h);
  ctx.closePath();
  const g = ctx.createLinearGradient(0, 0, 0, h);
  g.addColorStop(0, withAlpha(color, fillAlpha * 1.5));
  g.addColorStop(1, withAlpha(color, fillAlpha * 0.2));
  ctx.fillStyle = g;
  ctx.fill();
}
