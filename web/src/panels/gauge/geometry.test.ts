import { describe, expect, it } from 'vitest';
import { angleAt, arcPath, gaugeGeometry, polar, thresholdBands } from './geometry';

describe('gauge geometry', () => {
  it('maps 0..1 onto the 240-degree arc, clamped', () => {
    expect(angleAt(0)).toBe(-120);
    expect(angleAt(0.5)).toBe(0);
    expect(angleAt(1)).toBe(120);
    expect(angleAt(2)).toBe(120);
  });

  it('puts angle 0 at 12 o clock and 90 at 3 o clock', () => {
    const [x0, y0] = polar(0, 0, 10, 0);
    expect(x0).toBeCloseTo(0);
    expect(y0).toBeCloseTo(-10);
    const [x1, y1] = polar(0, 0, 10, 90);
    expect(x1).toBeCloseTo(10);
    expect(y1).toBeCloseTo(0);
  });

  it('draws arcs with the large-arc flag past 180 degrees, and nothing for an empty arc', () => {
    expect(arcPath(0, 0, 10, -120, 120)).toContain(' 0 1 1 ');
    expect(arcPath(0, 0, 10, -120, 0)).toContain(' 0 0 1 ');
    expect(arcPath(0, 0, 10, 0, 0)).toBe('');
  });

  it('turns threshold steps into bands within min..max', () => {
    const steps = [{ value: -Infinity, color: 'g' }, { value: 50, color: 'o' }, { value: 80, color: 'r' }, { value: 200, color: 'x' }];
    expect(thresholdBands(steps, 0, 100)).toEqual([
      { from: 0, to: 0.5, color: 'g' },
      { from: 0.5, to: 0.8, color: 'o' },
      { from: 0.8, to: 1, color: 'r' },
    ]);
  });

  it('paints an empty range with the last step', () => {
    expect(thresholdBands([{ value: -Infinity, color: 'g' }], 5, 5)).toEqual([{ from: 0, to: 1, color: 'g' }]);
  });

  it('fits the gauge in its box with room for the band and labels', () => {
    const g = gaugeGeometry(300, 200, true, true, '42%');
    const outer = g.bandR + g.bandWidth / 2;
    expect(g.cx - g.labelR - g.labelSize).toBeGreaterThanOrEqual(0);
    expect(g.cy - g.labelR - g.labelSize).toBeGreaterThanOrEqual(-1);
    expect(g.cy + outer * 0.5).toBeLessThanOrEqual(200);
    expect(g.r).toBeGreaterThan(0);
    const plain = gaugeGeometry(300, 200, false, false, '42%');
    expect(plain.bandWidth).toBe(0);
    expect(plain.r).toBeGreaterThan(g.r);
  });

  it('shrinks the value text for long values', () => {
    expect(gaugeGeometry(200, 200, true, false, '1234567890').valueSize).toBeLessThan(gaugeGeometry(200, 200, true, false, '1').valueSize);
  });
});
