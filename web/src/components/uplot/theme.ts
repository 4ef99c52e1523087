//! Canvas colors from the theme's CSS variables (styles.css), read once per theme: canvases
//! cannot use `var(--x)`, so the plot options carry the resolved values and are rebuilt on a
//! theme switch.

/** The colors and fonts a canvas panel draws with. */
export interface ChartTheme {
  isDark: boolean;
  text: string;
  textStrong: string;
  axisText: string;
  grid: string;
  border: string;
  panelBg: string;
  muted: string;
  font: string;
  /** The axis tick font, a canvas `font` string. */
  axisFont: string;
}

const FALLBACK: Record<'dark' | 'light', Omit<ChartTheme, 'isDark' | 'axisFont'>> = {
  dark: {
    text: '#ccccdc', textStrong: '#ffffff', axisText: '#8e8e9e', grid: 'rgba(204, 204, 220, 0.10)',
    border: '#2c3235', panelBg: '#181b1f', muted: '#8e8e9e', font: 'Inter, Helvetica, Arial, sans-serif',
  },
  light: {
    text: '#24292e', textStrong: '#000000', axisText: '#6a6f75', grid: 'rgba(36, 41, 46, 0.10)',
    border: '#dcdee1', panelBg: '#ffffff', muted: '#6a6f75', font: 'Inter, Helvetica, Arial, sans-serif',
  },
};

const cache = new Map<string, ChartTheme>();

/** The chart colors of `theme`, read from the CSS variables on <html> (fallbacks off-DOM). */
export function chartTheme(theme: 'dark' | 'light'): ChartTheme {
  const hit = cache.get(theme);
  if (hit) return hit;
  const fb = FALLBACK[theme];
  let read = (_name: string, fallback: string) => fallback;
  if (typeof document !== 'undefined' && typeof getComputedStyle === 'function') {
    const style = getComputedStyle(document.documentElement);
    read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  }
  const t: ChartTheme = {
    isDark: theme === 'dark',
    text: read('--text', fb.text),
    textStrong: read('--text-strong', fb.textStrong),
    axisText: read('--axis-text', fb.axisText),
    grid: read('--grid-line', fb.grid),
    border: read('--border', fb.border),
    panelBg: read('--panel-bg', fb.panelBg),
    muted: read('--muted', fb.muted),
    font: read('--font', fb.font),
    axisFont: '',
  };
  t.axisFont = `12px ${t.font}`;
  // Only cache values read while this theme is the applied one (the variables follow <html>).
  if (typeof document !== 'undefined' && (document.documentElement.dataset.theme ?? 'dark') === theme) {
    cache.set(theme, t);
  }
  return t;
}

/** `color` with its alpha multiplied by `alpha` (hex, rgb(a) and named colors). */
export function withAlpha(color: string, alpha: number): string {
  const a = Math.max(0, Math.min(1, alpha));
  const rgb = parseColor(color);
  if (!rgb) return color;
  return `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${+(rgb[3] * a).toFixed(3)})`;
}

/** [r, g, b, a] of a hex or rgb()/rgba() color, or null for anything else. */
export function parseColor(color: string): [number, number, number, number] | null {
  const c = color.trim().toLowerCase();
  if (c === 'transparent') return [0, 0, 0, 0];
  if (c[0] === '#') {
    let h = c.slice(1);
    if (h.length === 3 || h.length === 4) h = [...h].map((x) => x + x).join('');
    if (h.length !== 6 && h.length !== 8) return null;
    const n = parseInt(h.slice(0, 6), 16);
    if (Number.isNaN(n)) return null;
    const a = h.length === 8 ? parseInt(h.slice(6), 16) / 255 : 1;
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255, a];
  }
  const m = /^rgba?\(([^)]+)\)$/.exec(c);
  if (m) {
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    if (p.length >= 3 && p.slice(0, 3).every((x) => !Number.isNaN(x))) return [p[0], p[1], p[2], p[3] ?? 1];
  }
  return null;
}

/** A readable text color (near-black or white) on a `background`. */
export function contrastText(background: string): string {
  const rgb = parseColor(background);
  if (!rgb) return '#ffffff';
  const [r, g, b] = rgb.map((v, i) => (i < 3 ? v / 255 : v)).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return lum > 0.4 ? '#000000' : '#ffffff';
}
