// Pure color helpers for the value panels: alpha blending for fills, a readable text color on a
// colored background; the continuous
// schemes themselves are in src/lib/colors.ts.

/** `#rgb`/`#rrggbb`/`rgb()`/`rgba()` as [r, g, b, a], or undefined for anything else (names, vars). */
export function parseColor(color: string): [number, number, number, number] | undefined {
  const c = color.trim();
  let m = /^#([0-9a-f]{3,8})$/i.exec(c);
  if (m) {
    let h = m[1];
    if (h.length === 3 || h.length === 4) h = [...h].map((x) => x + x).join('');
    if (h.length !== 6 && h.length !== 8) return undefined;
    const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return [n(0), n(2), n(4), h.length === 8 ? n(6) / 255 : 1];
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(c);
  if (m) {
    const a = m[4] == null ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return [Number(m[1]), Number(m[2]), Number(m[3]), a];
  }
  return undefined;
}

/** The color with its opacity multiplied by `alpha`; colors it cannot parse come back unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const p = parseColor(color);
  if (!p) return color;
  return `rgba(${p[0]}, ${p[1]}, ${p[2]}, ${+(p[3] * alpha).toFixed(3)})`;
}

/** Mixes two colors (t=0 gives `a`, t=1 gives `b`). */
export function mix(a: string, b: string, t: number): string {
  const pa = parseColor(a);
  const pb = parseColor(b);
  if (!pa || !pb) return t < 0.5 ? a : b;
  const k = Math.max(0, Math.min(1, t));
  const ch = (i: number) => Math.round(pa[i] + (pb[i] - pa[i]) * k);
  return `rgb(${ch(0)}, ${ch(1)}, ${ch(2)})`;
}

/** WCAG relative luminance, 0 (black) .. 1 (white). */
export function luminance(color: string): number {
  const p = parseColor(color);
  if (!p) return 0.5;
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(p[0]) + 0.7152 * lin(p[1]) + 0.0722 * lin(p[2]);
}

/** Black or white text, whichever reads better on `background`. */
export function contrastText(background: string): string {
  return luminance(background) > 0.35 ? '#111217' : '#ffffff';
}

/** A lighter (amount > 0) or darker (< 0) shade, for gradients. */
export function shade(color: string, amount: number): string {
  return amount >= 0 ? mix(color, '#ffffff', amount) : mix(color, '#000000', -amount);
}
