import { describe, expect, it } from 'vitest';
import { fitFontSize, gridDimensions, repeatCells, resolveOrientation } from './layout';
import { contrastText, mix, parseColor, withAlpha } from './color';

describe('layout', () => {
  it('resolves auto orientation as Grafana: side by side in wide panels, stacked in tall ones', () => {
    expect(resolveOrientation('auto', 800, 200)).toBe('vertical');
    expect(resolveOrientation(undefined, 200, 800)).toBe('horizontal');
    expect(resolveOrientation('horizontal', 800, 200)).toBe('horizontal');
  });

  it('puts one value in one cell filling the panel', () => {
    expect(repeatCells(1, 300, 200, { orientation: 'vertical', grid: true }).cells).toEqual([{ x: 0, y: 0, w: 300, h: 200 }]);
  });

  it('makes a grid close to square cells', () => {
    expect(gridDimensions(4, 1600, 200, 8)).toEqual({ cols: 4, rows: 1 });
    expect(gridDimensions(4, 400, 400, 8)).toEqual({ cols: 2, rows: 2 });
    expect(gridDimensions(6, 200, 900, 8)).toEqual({ cols: 1, rows: 6 });
  });

  it('widens the cells of a short last grid row', () => {
    const { cells } = repeatCells(3, 408, 408, { orientation: 'vertical', grid: true, spacing: 8 });
    expect(cells).toHaveLength(3);
    expect(cells[2].w).toBe(408);
    expect(cells[0].w).toBe(200);
  });

  it('stacks horizontally oriented values and caps their height', () => {
    const r = repeatCells(2, 300, 400, { orientation: 'horizontal', spacing: 10, maxHeight: 100 });
    expect(r.cells).toEqual([{ x: 0, y: 0, w: 300, h: 100 }, { x: 0, y: 110, w: 300, h: 100 }]);
  });

  it('scrolls when the cells would be smaller than the minimum', () => {
    const r = repeatCells(10, 300, 200, { orientation: 'vertical', spacing: 0, minWidth: 100 });
    expect(r.width).toBe(1000);
    expect(r.cells[9].x).toBe(900);
  });

  it('fits text by width and height', () => {
    expect(fitFontSize('12345', 300, 1000)).toBe(100);
    expect(fitFontSize('1', 300, 60)).toBe(50);
    expect(fitFontSize('a very long text indeed', 10, 10)).toBe(8);
  });
});

describe('color', () => {
  it('parses hex and rgb colors', () => {
    expect(parseColor('#fff')).toEqual([255, 255, 255, 1]);
    expect(parseColor('#73BF69')).toEqual([115, 191, 105, 1]);
    expect(parseColor('rgba(1, 2, 3, 0.5)')).toEqual([1, 2, 3, 0.5]);
    expect(parseColor('var(--text)')).toBeUndefined();
  });

  it('adds alpha and mixes', () => {
    expect(withAlpha('#000000', 0.5)).toBe('rgba(0, 0, 0, 0.5)');
    expect(withAlpha('var(--x)', 0.5)).toBe('var(--x)');
    expect(mix('#000000', '#ffffff', 0.5)).toBe('rgb(128, 128, 128)');
  });

  it('picks readable text on a background', () => {
    expect(contrastText('#FADE2A')).toBe('#111217');
    expect(contrastText('#1F60C4')).toBe('#ffffff');
  });
});
