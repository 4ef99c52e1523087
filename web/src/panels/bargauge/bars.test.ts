import { describe, expect, it } from 'vitest';
import { barCellLayout, colorAt, cssGradient, gradientStops, lcdCells, readBarGaugeOptions } from './bars';

const steps = [{ value: -Infinity, color: 'g' }, { value: 50, color: 'o' }, { value: 80, color: 'r' }];

describe('bar gauge options', () => {
  it("fills Grafana's defaults", () => {
    expect(readBarGaugeOptions(undefined)).toMatchObject({
      displayMode: 'gradient', orientation: 'auto', showUnfilled: true, valueMode: 'color', namePlacement: 'auto', minVizHeight: 16, maxVizHeight: 300,
    });
    expect(readBarGaugeOptions({ displayMode: 'lcd', showUnfilled: false, valueMode: 'hidden' })).toMatchObject({
      displayMode: 'lcd', showUnfilled: false, valueMode: 'hidden',
    });
  });
});

describe('bar cell layout', () => {
  const o = { namePlacement: 'auto' as const, valueMode: 'color' as const, text: {} };

  it('puts the name above a horizontal bar and the value after it', () => {
    const l = barCellLayout(400, 60, false, o, 'cpu', '100%', true);
    expect(l.name).toMatchObject({ x: 0, y: 0, w: 400 });
    expect(l.bar.y).toBe(l.name!.h);
    expect(l.value!.x).toBe(l.bar.x + l.bar.w);
    expect(l.value!.x + l.value!.w).toBe(400);
  });

  it('puts the name left in short cells or when asked', () => {
    expect(barCellLayout(400, 24, false, o, 'cpu', '1', true).name).toMatchObject({ x: 0, y: 0, h: 24 });
    const l = barCellLayout(400, 80, false, { ...o, namePlacement: 'left' }, 'cpu', '1', true);
    expect(l.bar.x).toBe(l.name!.w);
    expect(l.bar.y).toBe(0);
  });

  it('hides the name and the value', () => {
    const l = barCellLayout(400, 60, false, { ...o, namePlacement: 'hidden', valueMode: 'hidden' }, 'cpu', '1', true);
    expect(l.name).toBeUndefined();
    expect(l.value).toBeUndefined();
    expect(l.bar).toEqual({ x: 0, y: 0, w: 400, h: 60 });
  });

  it('stacks value, bar and name in a vertical cell', () => {
    const l = barCellLayout(80, 300, true, o, 'cpu', '1', true);
    expect(l.value!.y).toBe(0);
    expect(l.bar.y).toBe(l.value!.h);
    expect(l.name!.y).toBe(l.bar.y + l.bar.h);
    expect(l.name!.y + l.name!.h).toBe(300);
  });
});

describe('colors along the bar', () => {
  it('finds the threshold color at a value', () => {
    expect(colorAt(10, steps, 'x')).toBe('g');
    expect(colorAt(50, steps, 'x')).toBe('o');
    expect(colorAt(99, steps, 'x')).toBe('r');
  });

  it('makes gradient stops through the thresholds the fill passes', () => {
    expect(gradientStops(steps, 0, 100, 1, 'r', true)).toEqual([
      { offset: 0, color: 'g' },
      { offset: 0.5, color: 'o' },
      { offset: 0.8, color: 'r' },
      { offset: 1, color: 'r' },
    ]);
    expect(gradientStops(steps, 0, 100, 0.6, 'o', true).map((s) => s.color)).toEqual(['g', 'o', 'o']);
  });

  it('fades into the value color without thresholds', () => {
    expect(gradientStops([], 0, 100, 0.5, '#ff0000', false)).toEqual([
      { offset: 0, color: 'rgba(255, 0, 0, 0.35)' },
      { offset: 1, color: '#ff0000' },
    ]);
  });

  it('writes CSS gradients', () => {
    expect(cssGradient([{ offset: 0, color: 'a' }, { offset: 1, color: 'b' }], 'to right')).toBe('linear-gradient(to right, a 0%, b 100%)');
  });

  it('lights lcd cells up to the value, colored by their place', () => {
    const cells = lcdCells(100, 20, 0.5, steps, 0, 100, 'x', 0);
    expect(cells).toHaveLength(10);
    expect(cells.filter((c) => c.lit)).toHaveLength(5);
    expect(cells[0].color).toBe('g');
    expect(cells[6].color).toBe('o');
    expect(cells[9].color).toBe('r');
    expect(lcdCells(100, 20, 0, steps, 0, 100, 'x').some((c) => c.lit)).toBe(false);
  });
});
