// Pure layout for panels that repeat one visualization per value (stat, gauge, bar gauge):
// Grafana's orientation rule, its auto grid, and font sizes that fit a box, computed from text
// lengths (no DOM measuring, so a live update never forces a layout).

/** A box in the panel, in px. */
export interface Cell {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Orientation = 'auto' | 'horizontal' | 'vertical';

/** Grafana's repeater rule: `auto` stacks values (horizontal) in tall panels and puts them side by
 * side (vertical) in wide ones. */
export function resolveOrientation(orientation: unknown, width: number, height: number): 'horizontal' | 'vertical' {
  if (orientation === 'horizontal' || orientation === 'vertical') return orientation;
  return width > height ? 'vertical' : 'horizontal';
}

/** The grid (columns x rows) that gives `n` cells the largest size with a pleasant aspect. */
export function gridDimensions(n: number, width: number, height: number, spacing: number): { cols: number; rows: number } {
  if (n <= 1) return { cols: 1, rows: 1 };
  let best = { cols: 1, rows: n, score: -Infinity };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const w = (width - spacing * (cols - 1)) / cols;
    const h = (height - spacing * (rows - 1)) / rows;
    // A stat reads best a bit wider than tall: score by the smaller of width/1.5 and height.
    const score = Math.min(w / 1.5, h) - (rows * cols - n) * 0.01;
    if (score > best.score) best = { cols, rows, score };
  }
  return { cols: best.cols, rows: best.rows };
}

/** Options of `repeatCells`. */
export interface RepeatOptions {
  orientation: 'horizontal' | 'vertical';
  /** Auto grid instead of one row/column (stat and gauge with orientation `auto`). */
  grid?: boolean;
  spacing?: number;
  /** Smallest cell size; below it the content scrolls (Grafana's minVizWidth/minVizHeight). */
  minWidth?: number;
  minHeight?: number;
  /** Largest cell height in a stack (bar gauge's maxVizHeight). */
  maxHeight?: number;
}

/** The cells of `n` repeated visualizations, and the content size (larger than the panel: scroll). */
export function repeatCells(n: number, width: number, height: number, o: RepeatOptions): { cells: Cell[]; width: number; height: number } {
  const sp = o.spacing ?? 8;
  const minW = o.minWidth ?? 0;
  const minH = o.minHeight ?? 0;
  const cells: Cell[] = [];
  if (n <= 0) return { cells, width, height };
  if (o.grid) {
    const { cols, rows } = gridDimensions(n, width, height, sp);
    const h = Math.max(minH, (height - sp * (rows - 1)) / rows);
    for (let r = 0; r < rows; r++) {
      const inRow = r === rows - 1 ? n - cols * (rows - 1) : cols;
      const w = Math.max(minW, (width - sp * (inRow - 1)) / inRow);
      for (let c = 0; c < inRow; c++) cells.push({ x: c * (w + sp), y: r * (h + sp), w, h });
    }
    const last = cells[cells.length - 1];
    return { cells, width: Math.max(width, ...cells.map((c) => c.x + c.w)), height: Math.max(height, last.y + last.h) };
  }
  if (o.orientation === 'horizontal') {
    let h = Math.max(minH, (height - sp * (n - 1)) / n);
    if (o.maxHeight && h > o.maxHeight) h = o.maxHeight;
    for (let i = 0; i < n; i++) cells.push({ x: 0, y: i * (h + sp), w: width, h });
    return { cells, width, height: Math.max(height, n * h + (n - 1) * sp) };
  }
  const w = Math.max(minW, (width - sp * (n - 1)) / n);
  for (let i = 0; i < n; i++) cells.push({ x: i * (w + sp), y: 0, w, h: height });
  return { cells, width: Math.max(width, n * w + (n - 1) * sp), height };
}

/** The font size (px) at which `text` fits in `width` x `height` on one line, within [min, max].
 * Widths are estimated (about 0.6 em a character), which is what Grafana's auto sizing amounts to. */
export function fitFontSize(text: string, width: number, height: number, min = 8, max = 200, lineHeight = 1.2): number {
  const chars = Math.max(1, text.length);
  const byWidth = width / (chars * 0.6);
  const byHeight = height / lineHeight;
  return Math.round(Math.max(min, Math.min(max, byWidth, byHeight)));
}
