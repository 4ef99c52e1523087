// Pure geometry of the arc gauge: a 240-degree arc open at the bottom, its value arc, the threshold
// band around it and the threshold labels. Angles are in degrees, clockwise from 12 o'clock.

/** Where the arc starts and how far it sweeps. */
export const START_ANGLE = -120;
export const SWEEP = 240;

/** The angle of a position 0..1 along the arc. */
export function angleAt(percent: number): number {
  return START_ANGLE + SWEEP * Math.max(0, Math.min(1, percent));
}

/** The point at `angle` on a circle. */
export function polar(cx: number, cy: number, r: number, angle: number): [number, number] {
  const rad = (angle * Math.PI) / 180;
  return [cx + r * Math.sin(rad), cy - r * Math.cos(rad)];
}

const f = (n: number) => Math.round(n * 100) / 100;

/** An SVG path along a circle from angle a0 to a1 (clockwise), to be stroked. */
export function arcPath(cx: number, cy: number, r: number, a0: number, a1: number): string {
  if (a1 - a0 <= 0) return '';
  const [x0, y0] = polar(cx, cy, r, a0);
  const [x1, y1] = polar(cx, cy, r, a1);
  const large = a1 - a0 > 180 ? 1 : 0;
  return `M ${f(x0)} ${f(y0)} A ${f(r)} ${f(r)} 0 ${large} 1 ${f(x1)} ${f(y1)}`;
}

/** One colored stretch of the threshold band, as fractions of the arc. */
export interface Band {
  from: number;
  to: number;
  color: string;
}

/** The threshold steps (absolute values) as bands between min and max. */
export function thresholdBands(steps: { value: number; color: string }[], min: number, max: number): Band[] {
  const span = max - min;
  if (!(span > 0) || steps.length === 0) return steps.length ? [{ from: 0, to: 1, color: steps[steps.length - 1].color }] : [];
  const bands: Band[] = [];
  for (let i = 0; i < steps.length; i++) {
    const from = Math.max(0, Math.min(1, (steps[i].value - min) / span));
    const next = i + 1 < steps.length ? steps[i + 1].value : Infinity;
    const to = Math.max(0, Math.min(1, (next - min) / span));
    if (to > from) bands.push({ from, to, color: steps[i].color });
  }
  return bands;
}

/** The sizes of a gauge in a w x h box. */
export interface GaugeGeometry {
  cx: number;
  cy: number;
  /** Radius of the middle of the value arc. */
  r: number;
  /** Stroke width of the value arc. */
  thickness: number;
  /** Radius and width of the threshold band (0 width: hidden). */
  bandR: number;
  bandWidth: number;
  /** Radius at which threshold labels are centered (0: hidden). */
  labelR: number;
  labelSize: number;
  /** Size of the value text. */
  valueSize: number;
}

/** Fits the gauge into w x h, leaving room for the band and the labels. */
export function gaugeGeometry(w: number, h: number, showMarkers: boolean, showLabels: boolean, valueText: string): GaugeGeometry {
  // The arc spans 2R wide and R(1 + cos 60deg) = 1.5R tall.
  const labelSize = showLabels ? Math.max(9, Math.min(14, Math.min(w, h) / 16)) : 0;
  const labelMargin = showLabels ? labelSize * 2.6 : 0;
  const pad = 4;
  const outer = Math.max(10, Math.min((w - 2 * pad - 2 * labelMargin) / 2, (h - 2 * pad - labelMargin) / 1.5));
  const bandWidth = showMarkers ? Math.max(2, outer * 0.06) : 0;
  const gap = showMarkers ? Math.max(1.5, outer * 0.03) : 0;
  const thickness = Math.max(4, outer * 0.2);
  const r = outer - bandWidth - gap - thickness / 2;
  const bandR = outer - bandWidth / 2;
  const cx = w / 2;
  const totalH = outer * 1.5 + labelMargin;
  const cy = (h - totalH) / 2 + labelMargin + outer;
  const inner = r - thickness / 2;
  const chars = Math.max(1, valueText.length);
  const valueSize = Math.max(8, Math.min((inner * 1.6) / (chars * 0.6), inner * 0.65));
  return { cx, cy, r, thickness, bandR, bandWidth, labelR: showLabels ? outer + labelSize * 1.4 : 0, labelSize, valueSize };
}
