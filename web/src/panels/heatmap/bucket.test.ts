import { describe, expect, it } from 'vitest';
import type { DataFrame } from '../../data/frame';
import { bucketBound, bucketedCells, calculateCells, niceSize, parseDuration, rowRange } from './bucket';
import { colorIndex, heatmapPalette, sampleStops } from './colors';
import { heatmapOptions } from './HeatmapPanel';

function le(bound: string, t: number[], v: number[]): DataFrame {
  return {
    name: 'h',
    length: t.length,
    fields: [
      { name: 'Time', type: 'time', values: t, config: {} },
      { name: 'Value', type: 'number', values: v, labels: { le: bound }, config: {} },
    ],
  };
}

const raw = (t: number[], v: number[]): DataFrame => ({
  length: t.length,
  fields: [
    { name: 'Time', type: 'time', values: t, config: {} },
    { name: 'v', type: 'number', values: v, config: {} },
  ],
});

describe('heatmap buckets', () => {
  it('parses bucket bounds and durations', () => {
    expect(bucketBound('+Inf')).toBe(Infinity);
    expect(bucketBound('0.25')).toBe(0.25);
    expect(Number.isNaN(bucketBound('low'))).toBe(true);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('bad')).toBeNull();
    expect(niceSize(3.3)).toBe(5);
    expect(niceSize(0.18)).toBe(0.2);
  });

  it('sorts le buckets by bound and de-accumulates cumulative counts', () => {
    const t = [60_000, 120_000];
    const c = bucketedCells([le('+Inf', t, [10, 12]), le('0.1', t, [2, 3]), le('1', t, [7, 8])])!;
    expect(c.ordinal).toBe(true);
    expect(c.yNames).toEqual(['0.1', '1', '+Inf']);
    expect(Array.from(c.counts)).toEqual([2, 5, 3, 3, 5, 4]);
    expect(c.max).toBe(5);
    expect(c.xEnd).toEqual(t);
    expect(c.xStart[1]).toBe(60_000);
    expect(rowRange(c, 1)).toEqual(['0.1', '1']);
    expect(rowRange(c, 0)).toEqual(['0', '0.1']);
  });

  it('keeps non-cumulative buckets as they are', () => {
    const t = [1000];
    const c = bucketedCells([le('1', t, [5]), le('2', t, [1])])!;
    expect(Array.from(c.counts)).toEqual([5, 1]);
  });

  it('calculates counts with x and y bucket sizes', () => {
    const f = raw([0, 10_000, 20_000, 60_000, 70_000], [1, 3, 12, 5, 5]);
    const c = calculateCells([f], { xBuckets: { mode: 'size', value: '1m' }, yBuckets: { mode: 'size', value: '5' } }, { from: 0, to: 119_999 })!;
    expect(c.ordinal).toBe(false);
    expect(c.xStart).toEqual([0, 60_000]);
    expect(c.yBounds).toEqual([0, 5, 10, 15]);
    // x0: 1, 3 -> [0,5); 12 -> [10,15). x1: 5, 5 -> [5,10).
    expect(Array.from(c.counts)).toEqual([2, 0, 1, 0, 2, 0]);
  });

  it('calculates with x bucket count and log y buckets', () => {
    const f = raw([0, 1, 2, 3], [1, 3, 30, 300]);
    const c = calculateCells([f], { xBuckets: { mode: 'count', value: '1' }, yBuckets: { scale: { type: 'log', log: 10 } } }, { from: 0, to: 3 })!;
    expect(c.yBounds).toEqual([1, 10, 100, 1000]);
    expect(Array.from(c.counts.slice(0, 3))).toEqual([2, 1, 1]);
  });

  it('returns null without numbers', () => {
    expect(calculateCells([], {}, { from: 0, to: 1 })).toBeNull();
    expect(bucketedCells([])).toBeNull();
  });
});

describe('heatmap colors', () => {
  it('samples schemes and inverts sequential ones on dark', () => {
    expect(sampleStops(['#000000', '#ffffff'], 3)).toEqual(['#000000', '#808080', '#ffffff']);
    const light = heatmapPalette({ scheme: 'Oranges', steps: 8 }, 'light');
    const dark = heatmapPalette({ scheme: 'Oranges', steps: 8 }, 'dark');
    expect(dark).toEqual([...light].reverse());
    expect(heatmapPalette({ scheme: 'Spectral', steps: 8 }, 'dark')).toEqual(heatmapPalette({ scheme: 'Spectral', steps: 8 }, 'light'));
    expect(heatmapPalette({ mode: 'opacity', fill: '#ff0000', steps: 4 }, 'dark')[3]).toBe('rgba(255, 0, 0, 1)');
  });

  it('maps counts to steps, with the exponent in opacity mode', () => {
    expect(colorIndex(0, 0, 100, 10)).toBe(0);
    expect(colorIndex(100, 0, 100, 10)).toBe(9);
    expect(colorIndex(25, 0, 100, 10, { mode: 'scheme' })).toBe(2);
    expect(colorIndex(25, 0, 100, 10, { mode: 'opacity', scale: 'exponential', exponent: 0.5 })).toBe(5);
  });

  it('reads heatmap options with Grafana defaults', () => {
    const o = heatmapOptions({ calculate: true, yAxis: { unit: 's', axisPlacement: 'right' }, color: { scheme: 'Spectral' } });
    expect(o).toMatchObject({ calculate: true, cellGap: 1, showValue: 'auto', showLegend: true, hideBelow: 1e-9 });
    expect(o.color).toMatchObject({ mode: 'scheme', scheme: 'Spectral', steps: 64, exponent: 0.5 });
    expect(o.yAxis).toMatchObject({ unit: 's', axisPlacement: 'right' });
  });
});

describe('bucket sizes', () => {
  it('reads plain numbers as ms and compound durations', () => {
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('')).toBeNull();
  });
});
