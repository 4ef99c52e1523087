// Grafana's colors as its dark theme draws them: the named visualization colors (`green`,
// `semi-dark-red`...), the classic series palette, and the continuous color schemes with their
// smooth interpolation. Pure data and arithmetic; thresholds.ts decides which color a value gets.

/** Each hue from lightest to darkest: super-light, light, (base), semi-dark, dark. */
const HUES: Record<string, readonly [string, string, string, string, string]> = {
  red: ['#FFA6B0', '#FF7383', '#F2495C', '#E02F44', '#C4162A'],
  orange: ['#FFCB7D', '#FFB357', '#FF9830', '#FF780A', '#FA6400'],
  yellow: ['#FFF899', '#FFEE52', '#FADE2A', '#F2CC0C', '#E0B400'],
  green: ['#C8F2C2', '#96D98D', '#73BF69', '#56A64B', '#37872D'],
  blue: ['#C0D8FF', '#8AB8FF', '#5794F2', '#3274D9', '#1F60C4'],
  purple: ['#DEB6F2', '#CA95E5', '#B877D9', '#A352CC', '#8F3BB8'],
};

const SHADES = ['super-light-', 'light-', '', 'semi-dark-', 'dark-'];

function buildNamedColors(): Map<string, string> {
  const named = new Map<string, string>();
  for (const [hue, shades] of Object.entries(HUES)) {
    shades.forEach((hex, i) => named.set(`${SHADES[i]}${hue}`, hex));
  }
  named.set('text', '#CCCCDC');
  named.set('panel-bg', '#181B1F');
  named.set('transparent', 'transparent');
  return named;
}

const NAMED = buildNamedColors();

/** The color Grafana's dark theme shows for a color name; hex, rgb() and CSS names pass through. */
export function resolveColor(name: string | undefined | null): string {
  if (!name) return '#808080';
  return NAMED.get(name) ?? name;
}

/** Grafana's `palette-classic` series colors, in order (dark theme). */
export const classicPalette: readonly string[] = [
  'green', 'semi-dark-yellow', 'light-blue', 'semi-dark-orange', 'red', 'blue', 'purple', '#705DA0',
  'dark-green', 'yellow', '#447EBC', '#C15C17', '#890F02', '#0A437C', '#6D1F62', '#584477',
  '#B7DBAB', '#F4D598', '#70DBED', '#F9BA8F', '#F29191', '#82B5D8', '#E5A8E2', '#AEA2E0',
  '#629E51', '#E5AC0E', '#64B0C8', '#E0752D', '#BF1B00', '#0A50A1', '#962D82', '#614D93',
  '#9AC48A', '#F2C96D', '#65C5DB', '#F9934E', '#EA6460', '#5195CE', '#D683CE', '#806EB7',
  '#3F6833', '#967302', '#2F575E', '#99440A', '#58140C', '#052B51', '#511749', '#3F2B5B',
  '#E0F9D7', '#FCEACA', '#CFFAFF', '#F9E2D2', '#FCE2DE', '#BADFF4', '#F9D9F9', '#DEDAF7',
].map(resolveColor);

/** The color stops of each continuous scheme (`color.mode`), low value first. */
export const continuousSchemes: Readonly<Record<string, readonly string[]>> = {
  'continuous-GrYlRd': ['green', 'yellow', 'red'],
  'continuous-RdYlGr': ['red', 'yellow', 'green'],
  'continuous-BlYlRd': ['dark-blue', 'super-light-yellow', 'dark-red'],
  'continuous-YlRd': ['super-light-yellow', 'dark-red'],
  'continuous-BlPu': ['blue', 'purple'],
  'continuous-YlBl': ['super-light-yellow', 'dark-blue'],
  'continuous-blues': ['panel-bg', 'blue'],
  'continuous-reds': ['panel-bg', 'red'],
  'continuous-greens': ['panel-bg', 'green'],
  'continuous-purples': ['panel-bg', 'purple'],
  'continuous-viridis': ['#440154', '#3B528B', '#21908D', '#5DC963', '#FDE725'],
  'continuous-magma': ['#000004', '#51127C', '#B63679', '#FB8861', '#FCFDBF'],
  'continuous-plasma': ['#0D0887', '#7E03A8', '#CC4778', '#F89540', '#F0F921'],
  'continuous-inferno': ['#000004', '#56106E', '#BB3754', '#F98C0A', '#FCFFA4'],
};

type Rgb = readonly [number, number, number];

/** Parses `#rgb`, `#rrggbb(aa)` and `rgb(a)(r, g, b...)`; null for anything else. */
export function parseRgb(color: string): Rgb | null {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as unknown as Rgb;
  }
  const rgb = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i.exec(color);
  return rgb ? [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])] : null;
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}

/** Uniform cubic B-spline weight of four control values at local position t in [0, 1]. */
function bspline(t: number, v0: number, v1: number, v2: number, v3: number): number {
  const t2 = t * t;
  const t3 = t2 * t;
  return ((1 - 3 * t + 3 * t2 - t3) * v0 + (4 - 6 * t2 + 3 * t3) * v1 + (1 + 3 * t + 3 * t2 - 3 * t3) * v2 + t3 * v3) / 6;
}

/** One channel of a smooth curve through `values`, ends pinned to the first and last. */
function splineAt(values: readonly number[], fraction: number): number {
  const n = values.length - 1;
  const t = Math.min(1, Math.max(0, fraction));
  const i = t >= 1 ? n - 1 : Math.floor(t * n);
  const v1 = values[i];
  const v2 = values[i + 1];
  const v0 = i > 0 ? values[i - 1] : 2 * v1 - v2;
  const v3 = i < n - 1 ? values[i + 2] : 2 * v2 - v1;
  return bspline((t - i / n) * n, v0, v1, v2, v3);
}

/**
 * The color at `fraction` (0-1) of a smooth gradient through `stops`, as Grafana's continuous
 * schemes blend (a B-spline in RGB, so the middle stop is approached, not hit exactly).
 */
export function interpolateColors(stops: readonly string[], fraction: number): string {
  const rgbs = stops.map((s) => parseRgb(resolveColor(s))).filter((c): c is Rgb => c !== null);
  if (rgbs.length === 0) return '#808080';
  if (rgbs.length === 1) return toHex(rgbs[0]);
  const f = Number.isFinite(fraction) ? fraction : 0;
  return toHex([0, 1, 2].map((ch) => splineAt(rgbs.map((c) => c[ch]), f)) as unknown as Rgb);
}
