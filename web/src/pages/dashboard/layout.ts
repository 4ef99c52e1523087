// The grid: Grafana's 24-column layout from `gridPos` (x, y, w, h in cells of 30 px with 8 px
// gaps). Rows collapse and expand; repeated panels are cloned per selected variable value;
// then panels float up like Grafana's vertically compacted grid, so a collapsed row pulls the
// panels below it up.

import type { GridPos, Panel } from '../../api/dashboard';

export const CELL_HEIGHT = 30;
export const GAP = 8;
export const COLUMNS = 24;

/** One panel to draw, with its final position. */
export interface LayoutItem {
  /** Stable key: the panel id plus the repeat value. */
  key: string;
  panel: Panel;
  pos: GridPos;
  /** Variable values this clone overrides (repeat panels). */
  vars?: Record<string, string>;
  /** The id of the panel the clone was repeated from (the id the server knows). */
  sourceId: number;
}

/** Variables' selected values, for repeats: `name -> values`. */
export type RepeatValues = Record<string, string[]>;

function gridPos(p: Panel, fallbackY: number): GridPos {
  const g = p.gridPos;
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  const w = Math.min(COLUMNS, Math.max(1, num(g?.w, 12)));
  return { x: Math.min(COLUMNS - w, Math.max(0, num(g?.x, 0))), y: Math.max(0, num(g?.y, fallbackY)), w, h: Math.max(1, num(g?.h, 8)) };
}

/**
 * The panels to draw: rows expanded unless collapsed (a collapsed row's children live in its
 * `panels`; an expanded row's children are the top-level panels below it), repeats applied.
 * `collapsed` overrides the saved state by row id.
 */
export function layoutPanels(panels: Panel[], collapsed: Map<number, boolean>, repeats: RepeatValues): LayoutItem[] {
  const items: LayoutItem[] = [];
  let hiddenByRow = false;
  const sorted = panels.map((p, i) => ({ p, i, pos: gridPos(p, i) })).sort((a, b) => a.pos.y - b.pos.y || a.pos.x - b.pos.x || a.i - b.i);
  for (const { p, pos } of sorted) {
    if (p.type === 'row') {
      const isCollapsed = collapsed.get(p.id) ?? !!p.collapsed;
      items.push({ key: `row-${p.id}`, panel: p, pos: { x: 0, y: pos.y, w: COLUMNS, h: 1 }, sourceId: p.id });
      hiddenByRow = isCollapsed;
      if (!isCollapsed && p.collapsed && p.panels) {
        // Saved collapsed, expanded by the user: its children follow the row.
        for (const [j, child] of p.panels.entries()) {
          const c = gridPos(child, pos.y + 1 + j);
          pushRepeated(items, child, { ...c, y: pos.y + 1 + Math.max(0, c.y - pos.y - 1) }, repeats);
        }
      }
      continue;
    }
    if (hiddenByRow) continue;
    pushRepeated(items, p, pos, repeats);
  }
  return compact(items);
}

function pushRepeated(items: LayoutItem[], p: Panel, pos: GridPos, repeats: RepeatValues): void {
  const values = p.repeat ? repeats[p.repeat] : undefined;
  if (!p.repeat || !values || values.length === 0) {
    items.push({ key: `p-${p.id}`, panel: p, pos, sourceId: p.id });
    return;
  }
  const name = p.repeat;
  if (p.repeatDirection === 'v') {
    values.forEach((value, i) => {
      items.push({ key: `p-${p.id}-${value}`, panel: p, pos: { ...pos, y: pos.y + i * pos.h }, vars: { [name]: value }, sourceId: p.id });
    });
    return;
  }
  const perRow = Math.max(1, Math.min(p.maxPerRow ?? 4, values.length));
  const w = Math.max(1, Math.floor(COLUMNS / perRow));
  values.forEach((value, i) => {
    const col = i % perRow;
    const row = Math.floor(i / perRow);
    items.push({ key: `p-${p.id}-${value}`, panel: p, pos: { x: col * w, y: pos.y + row * pos.h, w, h: pos.h }, vars: { [name]: value }, sourceId: p.id });
  });
}

/** Moves every item up as far as it goes without overlapping the ones placed before it. */
export function compact(items: LayoutItem[]): LayoutItem[] {
  const placed: LayoutItem[] = [];
  const order = items.map((it, i) => ({ it, i })).sort((a, b) => a.it.pos.y - b.it.pos.y || a.it.pos.x - b.it.pos.x || a.i - b.i);
  for (const { it } of order) {
    let y = it.pos.y;
    while (y > 0 && !placed.some((o) => overlaps({ ...it.pos, y: y - 1 }, o.pos))) y--;
    while (placed.some((o) => overlaps({ ...it.pos, y }, o.pos))) y++;
    placed.push({ ...it, pos: { ...it.pos, y } });
  }
  return placed;
}

function overlaps(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Pixel box of a grid position in a container `width` px wide. */
export function pixelBox(pos: GridPos, width: number): { left: number; top: number; width: number; height: number } {
  const col = (width + GAP) / COLUMNS;
  return {
    left: pos.x * col,
    top: pos.y * (CELL_HEIGHT + GAP),
    width: pos.w * col - GAP,
    height: pos.h * (CELL_HEIGHT + GAP) - GAP,
  };
}

/** The grid's total height in px. */
export function gridHeight(items: LayoutItem[]): number {
  const rows = items.reduce((m, it) => Math.max(m, it.pos.y + it.pos.h), 0);
  return rows * (CELL_HEIGHT + GAP);
}
