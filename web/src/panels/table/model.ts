// The table panel's pure logic: options with Grafana's defaults, the visible columns and their
// cell options, column widths, sorting, the footer and the window of rows to render.

import type { DataFrame, Field } from '../../data/frame';
import { displayName } from '../../data/frame';
import { dataRange, fieldRange, formatFieldValue } from '../common/display';
import { reduce, reducerNames } from '../common/lib';

export type CellType = 'auto' | 'color-text' | 'color-background' | 'gauge' | 'json-view' | 'data-links' | 'image' | 'sparkline';

/** A column's cell options after mapping Grafana's legacy `displayMode`. */
export interface CellOptions {
  type: CellType;
  /** color-background: basic | gradient; gauge: basic | gradient | lcd. */
  mode: 'basic' | 'gradient' | 'lcd';
  /** gauge: how the value text shows next to the bar. */
  valueDisplayMode: 'color' | 'text' | 'hidden';
}

/** One visible column. */
export interface Column {
  /** Index of the field in the frame. */
  index: number;
  field: Field;
  header: string;
  /** Fixed width (custom.width), else shared. */
  width?: number;
  minWidth: number;
  align: 'left' | 'center' | 'right';
  cell: CellOptions;
  range: { min: number; max: number };
}

/** Grafana's table footer options. */
export interface FooterOptions {
  show: boolean;
  reducer: string[];
  /** Display names of the reduced fields; empty for every numeric field. */
  fields: string[];
  countRows: boolean;
}

export interface TableOptions {
  showHeader: boolean;
  cellHeight: 'sm' | 'md' | 'lg';
  footer: FooterOptions;
  sortBy: { displayName: string; desc?: boolean }[];
  frameIndex: number;
}

/** Row heights (px) by `cellHeight`. */
export const ROW_HEIGHTS = { sm: 36, md: 42, lg: 48 } as const;

/** The panel's table options with Grafana's defaults. */
export function readTableOptions(o: Record<string, unknown> | undefined): TableOptions {
  const footer = (o?.footer ?? {}) as Record<string, unknown>;
  const ch = o?.cellHeight;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    showHeader: o?.showHeader !== false,
    cellHeight: ch === 'md' || ch === 'lg' ? ch : 'sm',
    footer: {
      show: footer.show === true,
      reducer: strings(footer.reducer).length ? strings(footer.reducer) : ['sum'],
      fields: strings(footer.fields),
      countRows: footer.countRows === true,
    },
    sortBy: Array.isArray(o?.sortBy)
      ? (o.sortBy as unknown[]).filter((s): s is { displayName: string; desc?: boolean } => !!s && typeof (s as { displayName?: unknown }).displayName === 'string')
      : [],
    frameIndex: typeof o?.frameIndex === 'number' ? o.frameIndex : 0,
  };
}

/** A field's cell options: `custom.cellOptions`, else the legacy `custom.displayMode`. */
export function cellOptions(custom: Record<string, unknown> | undefined): CellOptions {
  const co = (custom?.cellOptions ?? {}) as Record<string, unknown>;
  const vdm = co.valueDisplayMode;
  const valueDisplayMode = vdm === 'text' || vdm === 'hidden' ? vdm : 'color';
  let type = (typeof co.type === 'string' ? co.type : undefined) ?? (typeof custom?.displayMode === 'string' ? custom.displayMode : 'auto');
  let mode = co.mode as string | undefined;
  switch (type) {
    case 'color-background-solid':
      type = 'color-background';
      mode = 'basic';
      break;
    case 'gradient-gauge':
      type = 'gauge';
      mode = 'gradient';
      break;
    case 'lcd-gauge':
      type = 'gauge';
      mode = 'lcd';
      break;
    case 'basic':
      type = 'gauge';
      mode = 'basic';
      break;
  }
  const known: CellType[] = ['auto', 'color-text', 'color-background', 'gauge', 'json-view', 'data-links', 'image', 'sparkline'];
  const t = known.includes(type as CellType) ? (type as CellType) : 'auto';
  const m = mode === 'basic' || mode === 'lcd' || mode === 'gradient' ? mode : 'gradient';
  return { type: t, mode: t === 'color-background' && m === 'lcd' ? 'gradient' : m, valueDisplayMode };
}

function isHidden(field: Field): boolean {
  const custom = field.config.custom ?? {};
  const hideFrom = custom.hideFrom as { viz?: boolean } | undefined;
  return custom.hidden === true || hideFrom?.viz === true;
}

/** The frame's visible columns. */
export function tableColumns(frame: DataFrame): Column[] {
  const global = dataRange([frame]);
  const cols: Column[] = [];
  frame.fields.forEach((field, index) => {
    if (isHidden(field)) return;
    const custom = field.config.custom ?? {};
    const align = custom.align === 'left' || custom.align === 'center' || custom.align === 'right' ? custom.align : field.type === 'number' ? 'right' : 'left';
    cols.push({
      index,
      field,
      header: displayName(field, frame),
      width: typeof custom.width === 'number' && custom.width > 0 ? custom.width : undefined,
      minWidth: typeof custom.minWidth === 'number' ? custom.minWidth : 150,
      align,
      cell: cellOptions(custom),
      range: fieldRange(field.config, field, global),
    });
  });
  return cols;
}

/** Column widths: fixed ones as set, the others share what is left, at least their minWidth (the
 * table then scrolls sideways). */
export function columnWidths(columns: Pick<Column, 'width' | 'minWidth'>[], total: number): number[] {
  const fixed = columns.reduce((s, c) => s + (c.width ?? 0), 0);
  const flexible = columns.filter((c) => c.width === undefined).length;
  const share = flexible ? Math.max(0, total - fixed) / flexible : 0;
  return columns.map((c) => c.width ?? Math.max(c.minWidth, Math.floor(share)));
}

/** The sort of the table: the field index and direction, or none. */
export type SortState = { col: number; desc: boolean } | null;

/** Clicking a header cycles Grafana's way: none, descending, ascending, none. */
export function nextSort(current: SortState, col: number): SortState {
  if (!current || current.col !== col) return { col, desc: true };
  if (current.desc) return { col, desc: false };
  return null;
}

/** The initial sort from `options.sortBy` (by display name). */
export function initialSort(columns: Column[], sortBy: TableOptions['sortBy']): SortState {
  const first = sortBy[0];
  if (!first) return null;
  const col = columns.find((c) => c.header === first.displayName);
  return col ? { col: col.index, desc: !!first.desc } : null;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** Row indices in display order: stable, nulls (and NaN) last in both directions. */
export function sortedRows(frame: DataFrame, sort: SortState): number[] {
  const n = frame.length || frame.fields[0]?.values.length || 0;
  const rows = Array.from({ length: n }, (_, i) => i);
  if (!sort) return rows;
  const values = frame.fields[sort.col]?.values;
  if (!values) return rows;
  const dir = sort.desc ? -1 : 1;
  const empty = (v: unknown) => v == null || (typeof v === 'number' && Number.isNaN(v));
  rows.sort((i, j) => {
    const a = values[i];
    const b = values[j];
    const ea = empty(a);
    const eb = empty(b);
    if (ea || eb) return ea === eb ? i - j : ea ? 1 : -1;
    return compare(a, b) * dir || i - j;
  });
  return rows;
}

/** The footer cell texts, one per column: each reducer's result for the chosen numeric fields;
 * the reducer's name (or "Count" with the row count) in a first column that is not reduced. */
export function footerCells(frame: DataFrame, columns: Column[], footer: FooterOptions, timeZone?: string): string[] {
  const cells = columns.map(() => '');
  if (!footer.show) return cells;
  if (footer.countRows) {
    if (columns.length) cells[0] = `Count: ${frame.length}`;
    return cells;
  }
  const calc = footer.reducer[0] ?? 'sum';
  columns.forEach((c, i) => {
    if (c.field.type !== 'number') return;
    if (footer.fields.length && !footer.fields.includes(c.header)) return;
    const v = reduce(c.field.values, calc);
    cells[i] = formatFieldValue(v, c.field, c.range, { timeZone }).formatted;
  });
  if (columns.length && cells[0] === '') cells[0] = reducerNames[calc] ?? calc;
  return cells;
}

/** The rows to render for a scroll position: [start, end) with some overscan on both sides. */
export function visibleRows(scrollTop: number, viewport: number, rowHeight: number, total: number, overscan = 6): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewport) / rowHeight) + 1;
  return { start: Math.max(0, first - overscan), end: Math.min(total, first + count + overscan) };
}

/** The name of a frame in the frame selector. */
export function frameLabel(frame: DataFrame, i: number): string {
  return frame.name || frame.refId || `Series ${i + 1}`;
}
