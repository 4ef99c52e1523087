//! Heatmap cell colors (options.color): a named scheme sampled into `steps` colors (mode
//! 'scheme'), or one color at rising opacity (mode 'opacity'); counts map to a step linearly or
//! through `count^exponent` (scale 'exponential', Grafana's default 0.5). Sequential schemes are
//! inverted on the dark theme, as Grafana does, so that high counts are bright.

import { resolveColor } from '../../components/uplot/shared';
import { parseColor } from '../../components/uplot/theme';

/** options.color of Grafana's heatmap. */
export interface HeatmapColorOptions {
  mode?: 'scheme' | 'opacity';
  scheme?: string;
  fill?: string;
  scale?: 'exponential' | 'linear';
  exponent?: number;
  steps?: number;
  reverse?: boolean;
  min?: number | null;
  max?: number | null;
}

/** ColorBrewer / matplotlib stops of the schemes Grafana offers (low to high). */
const SCHEMES: Record<string, { stops: string[]; invertOnDark: boolean }> = {
  Blues: { stops: ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'], invertOnDark: true },
  Greens: { stops: ['#f7fcf5', '#e5f5e0', '#c7e9c0', '#a1d99b', '#74c476', '#41ab5d', '#238b45', '#006d2c', '#00441b'], invertOnDark: true },
  Greys: { stops: ['#ffffff', '#f0f0f0', '#d9d9d9', '#bdbdbd', '#969696', '#737373', '#525252', '#252525', '#000000'], invertOnDark: true },
  Oranges: { stops: ['#fff5eb', '#fee6ce', '#fdd0a2', '#fdae6b', '#fd8d3c', '#f16913', '#d94801', '#a63603', '#7f2704'], invertOnDark: true },
  Purples: { stops: ['#fcfbfd', '#efedf5', '#dadaeb', '#bcbddc', '#9e9ac8', '#807dba', '#6a51a3', '#54278f', '#3f007d'], invertOnDark: true },
  Reds: { stops: ['#fff5f0', '#fee0d2', '#fcbba1', '#fc9272', '#fb6a4a', '#ef3b2c', '#cb181d', '#a50f15', '#67000d'], invertOnDark: true },
  YlOrRd: { stops: ['#ffffcc', '#ffeda0', '#fed976', '#feb24c', '#fd8d3c', '#fc4e2a', '#e31a1c', '#bd0026', '#800026'], invertOnDark: true },
  YlGnBu: { stops: ['#ffffd9', '#edf8b1', '#c7e9b4', '#7fcdbb', '#41b6c4', '#1d91c0', '#225ea8', '#253494', '#081d58'], invertOnDark: true },
  YlGn: { stops: ['#ffffe5', '#f7fcb9', '#d9f0a3', '#addd8e', '#78c679', '#41ab5d', '#238443', '#006837', '#004529'], invertOnDark: true },
  YlOrBr: { stops: ['#ffffe5', '#fff7bc', '#fee391', '#fec44f', '#fe9929', '#ec7014', '#cc4c02', '#993404', '#662506'], invertOnDark: true },
  BuGn: { stops: ['#f7fcfd', '#e5f5f9', '#ccece6', '#99d8c9', '#66c2a4', '#41ae76', '#238b45', '#006d2c', '#00441b'], invertOnDark: true },
  BuPu: { stops: ['#f7fcfd', '#e0ecf4', '#bfd3e6', '#9ebcda', '#8c96c6', '#8c6bb1', '#88419d', '#810f7c', '#4d004b'], invertOnDark: true },
  GnBu: { stops: ['#f7fcf0', '#e0f3db', '#ccebc5', '#a8ddb5', '#7bccc4', '#4eb3d3', '#2b8cbe', '#0868ac', '#084081'], invertOnDark: true },
  OrRd: { stops: ['#fff7ec', '#fee8c8', '#fdd49e', '#fdbb84', '#fc8d59', '#ef6548', '#d7301f', '#b30000', '#7f0000'], invertOnDark: true },
  PuRd: { stops: ['#f7f4f9', '#e7e1ef', '#d4b9da', '#c994c7', '#df65b0', '#e7298a', '#ce1256', '#980043', '#67001f'], invertOnDark: true },
  RdPu: { stops: ['#fff7f3', '#fde0dd', '#fcc5c0', '#fa9fb5', '#f768a1', '#dd3497', '#ae017e', '#7a0177', '#49006a'], invertOnDark: true },
  Spectral: { stops: ['#9e0142', '#d53e4f', '#f46d43', '#fdae61', '#fee08b', '#ffffbf', '#e6f598', '#abdda4', '#66c2a5', '#3288bd', '#5e4fa2'], invertOnDark: false },
  RdYlBu: { stops: ['#a50026', '#d73027', '#f46d43', '#fdae61', '#fee090', '#ffffbf', '#e0f3f8', '#abd9e9', '#74add1', '#4575b4', '#313695'], invertOnDark: false },
  RdYlGn: { stops: ['#a50026', '#d73027', '#f46d43', '#fdae61', '#fee08b', '#ffffbf', '#d9ef8b', '#a6d96a', '#66bd63', '#1a9850', '#006837'], invertOnDark: false },
  RdBu: { stops: ['#67001f', '#b2182b', '#d6604d', '#f4a582', '#fddbc7', '#f7f7f7', '#d1e5f0', '#92c5de', '#4393c3', '#2166ac', '#053061'], invertOnDark: false },
  Viridis: { stops: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'], invertOnDark: false },
  Inferno: { stops: ['#000004', '#1b0c41', '#4a0c6b', '#781c6d', '#a52c60', '#cf4446', '#ed6925', '#fb9b06', '#f7d13d', '#fcffa4'], invertOnDark: false },
  Magma: { stops: ['#000004', '#180f3d', '#440f76', '#721f81', '#9e2f7f', '#cd4071', '#f1605d', '#fd9668', '#feca8d', '#fcfdbf'], invertOnDark: false },
  Plasma: { stops: ['#0d0887', '#46039f', '#7201a8', '#9c179e', '#bd3786', '#d8576b', '#ed7953', '#fb9f3a', '#fdca26', '#f0f921'], invertOnDark: false },
  Cividis: { stops: ['#00224e', '#123570', '#3b496c', '#575d6d', '#707173', '#8a8678', '#a59c74', '#c3b369', '#e1cc55', '#fee838'], invertOnDark: false },
  Turbo: { stops: ['#30123b', '#4662d7', '#36aaf9', '#1ae4b6', '#72fe5e', '#c8ef34', '#faba39', '#f66b19', '#ca2a04', '#7a0403'], invertOnDark: false },
};

/** Scheme names this panel knows. */
export const schemeNames = Object.keys(SCHEMES);

function hex(n: number): string {
  return Math.round(Math.max(0, Math.min(255, n))).toString(16).padStart(2, '0');
}

/** `n` colors sampled evenly along color stops (linear RGB interpolation). */
export function sampleStops(stops: string[], n: number): string[] {
  const rgb = stops.map((s) => parseColor(s) ?? [0, 0, 0, 1]);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? 1 : i / (n - 1);
    const pos = t * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(pos));
    const f = pos - k;
    const a = rgb[k];
    const b = rgb[k + 1] ?? a;
    out.push(`#${hex(a[0] + (b[0] - a[0]) * f)}${hex(a[1] + (b[1] - a[1]) * f)}${hex(a[2] + (b[2] - a[2]) * f)}`);
  }
  return out;
}

/** The palette of cells, lowest count first. */
export function heatmapPalette(opts: HeatmapColorOptions | undefined, theme: 'dark' | 'light'): string[] {
  const steps = Math.max(2, Math.min(128, Math.round(opts?.steps ?? 64)));
  let colors: string[];
  if (opts?.mode === 'opacity') {
    const base = parseColor(resolveColor(opts.fill ?? 'dark-orange')) ?? [250, 100, 0, 1];
    colors = [];
    for (let i = 0; i < steps; i++) {
      const a = (i + 1) / steps;
      colors.push(`rgba(${base[0]}, ${base[1]}, ${base[2]}, ${+a.toFixed(3)})`);
    }
  } else {
    const scheme = SCHEMES[opts?.scheme ?? 'Oranges'] ?? SCHEMES.Oranges;
    colors = sampleStops(scheme.stops, steps);
    if (scheme.invertOnDark && theme === 'dark') colors.reverse();
  }
  if (opts?.reverse) colors.reverse();
  return colors;
}

/** The palette index of `count` within [min, max] (linear, or count^exponent). */
export function colorIndex(count: number, min: number, max: number, steps: number, opts?: HeatmapColorOptions): number {
  if (!(max > min)) return steps - 1;
  let t = (count - min) / (max - min);
  t = Math.max(0, Math.min(1, t));
  if ((opts?.scale ?? 'exponential') === 'exponential' && opts?.mode === 'opacity') t = t ** (opts?.exponent ?? 0.5);
  return Math.min(steps - 1, Math.floor(t * steps));
}
