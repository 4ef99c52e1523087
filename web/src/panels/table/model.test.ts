import { describe, expect, it } from 'vitest';
import { field, frame } from '../common/testFrames';
import {
  cellOptions,
  columnWidths,
  footerCells,
  frameLabel,
  initialSort,
  nextSort,
  readTableOptions,
  sortedRows,
  tableColumns,
  visibleRows,
} from './model';

const f = () =>
  frame([
    field('Time', 'time', [3000, 1000, 2000]),
    field('host', 'string', ['b', 'a10', 'a9']),
    field('value', 'number', [5, null, 1], { unit: 'percent', decimals: 0 }),
    field('secret', 'string', ['x', 'y', 'z'], { custom: { hidden: true } }),
  ]);

describe('table options', () => {
  it("fills Grafana's defaults", () => {
    expect(readTableOptions(undefined)).toEqual({
      showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: [], countRows: false }, sortBy: [], frameIndex: 0,
    });
  });

  it('reads footer, sortBy and frameIndex', () => {
    const o = readTableOptions({ footer: { show: true, reducer: ['mean'], fields: ['value'] }, sortBy: [{ displayName: 'host', desc: true }, 3], frameIndex: 1, cellHeight: 'lg' });
    expect(o.footer).toMatchObject({ show: true, reducer: ['mean'], fields: ['value'] });
    expect(o.sortBy).toEqual([{ displayName: 'host', desc: true }]);
    expect(o.frameIndex).toBe(1);
    expect(o.cellHeight).toBe('lg');
  });
});

describe('columns', () => {
  it('skips hidden fields and aligns numbers right', () => {
    const cols = tableColumns(f());
    expect(cols.map((c) => c.header)).toEqual(['Time', 'host', 'value']);
    expect(cols.map((c) => c.align)).toEqual(['left', 'left', 'right']);
  });

  it('honours custom.align, width and hideFrom.viz', () => {
    const fr = frame([field('a', 'number', [1], { custom: { align: 'center', width: 80 } }), field('b', 'number', [1], { custom: { hideFrom: { viz: true } } })]);
    const cols = tableColumns(fr);
    expect(cols).toHaveLength(1);
    expect(cols[0]).toMatchObject({ align: 'center', width: 80 });
  });

  it('maps cell options and the legacy display modes', () => {
    expect(cellOptions(undefined)).toEqual({ type: 'auto', mode: 'gradient', valueDisplayMode: 'color' });
    expect(cellOptions({ cellOptions: { type: 'color-background', mode: 'basic' } })).toMatchObject({ type: 'color-background', mode: 'basic' });
    expect(cellOptions({ cellOptions: { type: 'gauge', mode: 'lcd', valueDisplayMode: 'hidden' } })).toEqual({ type: 'gauge', mode: 'lcd', valueDisplayMode: 'hidden' });
    expect(cellOptions({ displayMode: 'color-background-solid' })).toMatchObject({ type: 'color-background', mode: 'basic' });
    expect(cellOptions({ displayMode: 'lcd-gauge' })).toMatchObject({ type: 'gauge', mode: 'lcd' });
    expect(cellOptions({ displayMode: 'gradient-gauge' })).toMatchObject({ type: 'gauge', mode: 'gradient' });
    expect(cellOptions({ displayMode: 'basic' })).toMatchObject({ type: 'gauge', mode: 'basic' });
    expect(cellOptions({ cellOptions: { type: 'weird' } }).type).toBe('auto');
  });

  it('shares the width left by fixed columns, never below minWidth', () => {
    expect(columnWidths([{ width: 100, minWidth: 150 }, { minWidth: 50 }, { minWidth: 50 }], 500)).toEqual([100, 200, 200]);
    expect(columnWidths([{ minWidth: 150 }, { minWidth: 150 }], 200)).toEqual([150, 150]);
  });
});

describe('sorting', () => {
  it('cycles none, descending, ascending, none', () => {
    let s = nextSort(null, 2);
    expect(s).toEqual({ col: 2, desc: true });
    s = nextSort(s, 2);
    expect(s).toEqual({ col: 2, desc: false });
    expect(nextSort(s, 2)).toBeNull();
    expect(nextSort({ col: 1, desc: false }, 2)).toEqual({ col: 2, desc: true });
  });

  it('sorts numbers with nulls last in both directions', () => {
    expect(sortedRows(f(), { col: 2, desc: true })).toEqual([0, 2, 1]);
    expect(sortedRows(f(), { col: 2, desc: false })).toEqual([2, 0, 1]);
  });

  it('sorts strings naturally and times numerically', () => {
    expect(sortedRows(f(), { col: 1, desc: false })).toEqual([2, 1, 0]);
    expect(sortedRows(f(), { col: 0, desc: false })).toEqual([1, 2, 0]);
    expect(sortedRows(f(), null)).toEqual([0, 1, 2]);
  });

  it('is stable for equal values', () => {
    const fr = frame([field('a', 'number', [1, 1, 1, 0])]);
    expect(sortedRows(fr, { col: 0, desc: true })).toEqual([0, 1, 2, 3]);
  });

  it('starts from options.sortBy', () => {
    expect(initialSort(tableColumns(f()), [{ displayName: 'value', desc: true }])).toEqual({ col: 2, desc: true });
    expect(initialSort(tableColumns(f()), [{ displayName: 'nope' }])).toBeNull();
  });

  it('sorts 10,000 rows', () => {
    const n = 10000;
    const fr = frame([field('v', 'number', Array.from({ length: n }, (_, i) => (i * 7919) % n))]);
    const rows = sortedRows(fr, { col: 0, desc: false });
    expect(fr.fields[0].values[rows[0]]).toBe(0);
    expect(fr.fields[0].values[rows[n - 1]]).toBe(n - 1);
  });
});

describe('footer', () => {
  it('reduces numeric columns with the unit and names the reducer in the first column', () => {
    const fr = f();
    const cols = tableColumns(fr);
    expect(footerCells(fr, cols, { show: true, reducer: ['sum'], fields: [], countRows: false })).toEqual(['Total', '', '6%']);
  });

  it('only reduces the chosen fields', () => {
    const fr = frame([field('a', 'number', [1, 2]), field('b', 'number', [3, 4])]);
    const cols = tableColumns(fr);
    expect(footerCells(fr, cols, { show: true, reducer: ['max'], fields: ['b'], countRows: false })).toEqual(['Max', '4']);
  });

  it('counts rows', () => {
    const fr = f();
    expect(footerCells(fr, tableColumns(fr), { show: true, reducer: ['sum'], fields: [], countRows: true })[0]).toBe('Count: 3');
  });

  it('is empty when hidden', () => {
    const fr = f();
    expect(footerCells(fr, tableColumns(fr), { show: false, reducer: ['sum'], fields: [], countRows: false })).toEqual(['', '', '']);
  });
});

describe('virtual rows', () => {
  it('renders only the rows in view plus overscan', () => {
    expect(visibleRows(0, 360, 36, 10000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRows(36 * 5000, 360, 36, 10000, 5)).toEqual({ start: 4995, end: 5016 });
    expect(visibleRows(36 * 9999, 360, 36, 10000, 5)).toEqual({ start: 9994, end: 10000 });
    expect(visibleRows(0, 360, 36, 3)).toEqual({ start: 0, end: 3 });
  });

  it('names frames for the selector', () => {
    expect(frameLabel(frame([], 'cpu'), 0)).toBe('cpu');
    expect(frameLabel(frame([], undefined, 'B'), 1)).toBe('B');
    expect(frameLabel(frame([]), 2)).toBe('Series 3');
  });
});
