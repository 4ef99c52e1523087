import { describe, expect, it } from 'vitest';
import { labelPoint, pieSlices, readPieOptions, slicePath } from './pie';

describe('pie chart', () => {
  it("reads options with Grafana's defaults", () => {
    expect(readPieOptions(undefined)).toMatchObject({ pieType: 'pie', displayLabels: [], legend: { show: true, displayMode: 'list', placement: 'right', values: [] } });
    const o = readPieOptions({ pieType: 'donut', displayLabels: ['percent', 'x'], legend: { displayMode: 'table', placement: 'bottom', values: ['value'] } });
    expect(o.pieType).toBe('donut');
    expect(o.displayLabels).toEqual(['percent']);
    expect(o.legend).toEqual({ show: true, displayMode: 'table', placement: 'bottom', values: ['value'] });
    expect(readPieOptions({ legend: { showLegend: false } }).legend.show).toBe(false);
    expect(readPieOptions({ legend: { displayMode: 'hidden' } }).legend.show).toBe(false);
  });

  it('divides the circle by share and skips non-positive values', () => {
    const s = pieSlices([1, 0, 3, -2, NaN]);
    expect(s.map((x) => x.index)).toEqual([0, 2]);
    expect(s[0].share).toBe(0.25);
    expect(s[0].end).toBeCloseTo(Math.PI / 2);
    expect(s[1].end).toBeCloseTo(2 * Math.PI);
    expect(pieSlices([0, 0])).toEqual([]);
  });

  it('draws wedges, ring segments and full circles', () => {
    expect(slicePath(50, 50, 40, 0, 0, Math.PI / 2)).toBe('M 50 50 L 50 10 A 40 40 0 0 1 90 50 Z');
    expect(slicePath(50, 50, 40, 20, 0, Math.PI / 2)).toContain('L 70 50 A 20 20 0 0 0 50 30 Z');
    expect(slicePath(50, 50, 40, 0, 0, 2 * Math.PI)).toContain('A 40 40 0 1 1 50 90');
  });

  it('places labels mid-arc', () => {
    const [x, y] = labelPoint(0, 0, 10, { index: 0, start: 0, end: Math.PI, share: 0.5 });
    expect(x).toBeCloseTo(10);
    expect(y).toBeCloseTo(0);
  });
});
