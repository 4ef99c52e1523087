import { describe, expect, it } from 'vitest';
import { sparklinePoints } from './sparkline';

describe('sparklinePoints', () => {
  it('scales points into the box over the time range', () => {
    const p = sparklinePoints([0, 50, 100], [0, 5, 10], 100, 10, { from: 0, to: 100 });
    expect(p.xs).toEqual([0, 50, 100]);
    expect(p.ys).toEqual([10, 5, 0]);
  });

  it('skips nulls and points outside the range', () => {
    const p = sparklinePoints([-10, 0, 50, 100, 200], [9, 0, null, 10, 9], 100, 10, { from: 0, to: 100 });
    expect(p.xs).toEqual([0, 100]);
  });

  it('spreads by index without a time range', () => {
    const p = sparklinePoints([5, 6, 7], [1, 2, 3], 10, 10);
    expect(p.xs).toEqual([0, 5, 10]);
  });

  it('draws a flat series in the middle', () => {
    const p = sparklinePoints([0, 10], [3, 3], 10, 10, { from: 0, to: 10 });
    expect(p.ys).toEqual([5, 5]);
  });

  it('keeps at most four points per pixel column for large series', () => {
    const n = 10000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => Math.sin(i));
    const p = sparklinePoints(x, y, 100, 20, { from: 0, to: n - 1 });
    expect(p.xs.length).toBeLessThanOrEqual(101 * 4);
    expect(Math.min(...p.ys)).toBeCloseTo(0, 0);
    expect(Math.max(...p.ys)).toBeCloseTo(20, 0);
  });

  it('uses the data extent when no point is in the time range', () => {
    const p = sparklinePoints([1000, 2000], [1, 2], 10, 10, { from: 0, to: 10 });
    expect(p.xs).toEqual([0, 10]);
  });

  it('honours a fixed y range', () => {
    const p = sparklinePoints([0, 10], [50, 50], 10, 100, { from: 0, to: 10 }, { min: 0, max: 100 });
    expect(p.ys).toEqual([50, 50]);
  });
});
