// Table tests of threshold colors, named colors, series color modes and value mappings.

import { describe, expect, it } from 'vitest';
import type { Thresholds, ValueMapping } from '../api/dashboard';
import { interpolateColors, parseRgb } from './colors';
import { activeThreshold, applyMappings, classicPalette, resolveColor, seriesColor, thresholdColor } from './thresholds';

const absolute: Thresholds = {
  mode: 'absolute',
  steps: [
    { value: null, color: 'green' },
    { value: 50, color: 'orange' },
    { value: 80, color: 'red' },
  ],
};
const percentage: Thresholds = { ...absolute, mode: 'percentage' };

describe('resolveColor', () => {
  it.each([
    ['green', '#73BF69'],
    ['red', '#F2495C'],
    ['yellow', '#FADE2A'],
    ['orange', '#FF9830'],
    ['blue', '#5794F2'],
    ['purple', '#B877D9'],
    ['semi-dark-green', '#56A64B'],
    ['dark-red', '#C4162A'],
    ['light-blue', '#8AB8FF'],
    ['super-light-yellow', '#FFF899'],
    ['semi-dark-orange', '#FF780A'],
    ['dark-purple', '#8F3BB8'],
    ['text', '#CCCCDC'],
    ['transparent', 'transparent'],
    ['#123abc', '#123abc'],
    ['rgba(237, 129, 40, 0.89)', 'rgba(237, 129, 40, 0.89)'],
    [undefined, '#808080'],
  ])('%s -> %s', (name, hex) => {
    expect(resolveColor(name)).toBe(hex);
  });
});

describe('thresholdColor', () => {
  it.each([
    [10, '#73BF69'],
    [50, '#FF9830'],
    [79.9, '#FF9830'],
    [80, '#F2495C'],
    [1e9, '#F2495C'],
    [-1e9, '#73BF69'],
    [null, '#73BF69'],
    [NaN, '#73BF69'],
  ])('absolute: %s -> %s', (value, color) => {
    expect(thresholdColor(value, absolute)).toBe(color);
  });

  it.each([
    [100, 0, 1000, '#73BF69'],
    [500, 0, 1000, '#FF9830'],
    [900, 0, 1000, '#F2495C'],
    [-5, -10, 0, '#FF9830'],
    [70, null, null, '#FF9830'],
  ])('percentage: %s in [%s, %s] -> %s', (value, min, max, color) => {
    expect(thresholdColor(value, percentage, min, max)).toBe(color);
  });

  it('uses green/red at 80 when the field has no thresholds', () => {
    expect([thresholdColor(79, undefined), thresholdColor(80, undefined)]).toEqual(['#73BF69', '#F2495C']);
  });

  it('returns the active step itself', () => {
    expect(activeThreshold(60, absolute)).toEqual({ value: 50, color: 'orange' });
    expect(activeThreshold(60, { mode: 'absolute', steps: [] })).toBeUndefined();
  });
});

describe('classicPalette and seriesColor', () => {
  it('starts like Grafana palette-classic and has 56 colors', () => {
    expect(classicPalette.slice(0, 6)).toEqual(['#73BF69', '#F2CC0C', '#8AB8FF', '#FF780A', '#F2495C', '#5794F2']);
    expect(classicPalette).toHaveLength(56);
  });

  it.each([
    [0, {}, {}, '#73BF69'],
    [1, { color: { mode: 'palette-classic' } }, {}, '#F2CC0C'],
    [57, { color: { mode: 'palette-classic' } }, {}, '#F2CC0C'],
    [3, { color: { mode: 'fixed', fixedColor: 'purple' } }, {}, '#B877D9'],
    [3, { color: { mode: 'fixed' } }, {}, '#808080'],
    [0, { color: { mode: 'thresholds' }, thresholds: absolute }, { value: 90 }, '#F2495C'],
    [0, { color: { mode: 'thresholds' }, thresholds: absolute }, {}, '#73BF69'],
    [0, { color: { mode: 'continuous-GrYlRd' }, min: 0, max: 100 }, { value: 0 }, '#73BF69'],
    [0, { color: { mode: 'continuous-GrYlRd' }, min: 0, max: 100 }, { value: 100 }, '#F2495C'],
    [0, { color: { mode: 'continuous-GrYlRd' } }, { value: 5, min: 0, max: 10 }, '#E2C03D'],
    [0, { color: { mode: 'continuous-BlPu' } }, { value: 200, min: 0, max: 10 }, '#B877D9'],
    [2, { color: { mode: 'constructor' } }, {}, '#8AB8FF'],
  ])('series %s with %j %j -> %s', (index, config, sample, color) => {
    expect(seriesColor(index, config, sample)).toBe(color);
  });

  it('gives a name the same palette color every time', () => {
    const config = { color: { mode: 'palette-classic-by-name' } };
    const a = seriesColor(0, config, { name: 'cpu' });
    expect(seriesColor(7, config, { name: 'cpu' })).toBe(a);
    expect(classicPalette).toContain(a);
  });

  it('blends continuous schemes smoothly between their stops', () => {
    expect(interpolateColors(['#000000', '#FFFFFF'], 0.5)).toBe('#808080');
    expect(interpolateColors(['#000000', '#FFFFFF'], -1)).toBe('#000000');
    expect(interpolateColors(['red'], 0.3)).toBe('#F2495C');
    expect(parseRgb('#abc')).toEqual([170, 187, 204]);
    expect(parseRgb('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(parseRgb('nope')).toBeNull();
  });
});

describe('applyMappings', () => {
  const mappings: ValueMapping[] = [
    { type: 'value', options: { '1': { text: 'Up', color: 'green', index: 0 }, '0': { text: 'Down', color: 'red', index: 1 } } },
    { type: 'range', options: { from: 10, to: 20, result: { text: 'Teens', index: 2 } } },
    { type: 'range', options: { from: 100, to: null, result: { text: 'Huge', index: 3 } } },
    { type: 'regex', options: { pattern: '/^host-(\\d+)$/', result: { text: 'Host $1', index: 4 } } },
    { type: 'regex', options: { pattern: 'err.*', result: { color: 'dark-red', index: 5 } } },
    { type: 'special', options: { match: 'null', result: { text: 'N/A', index: 6 } } },
    { type: 'special', options: { match: 'nan', result: { text: 'Not a number', index: 7 } } },
    { type: 'special', options: { match: 'true', result: { text: 'Yes', index: 8 } } },
    { type: 'special', options: { match: 'false', result: { text: 'No', index: 9 } } },
    { type: 'special', options: { match: 'empty', result: { text: '(empty)', index: 10 } } },
  ];

  it.each<[number | string | boolean | null, string | undefined, number | undefined]>([
    [1, 'Up', 0],
    [0, 'Down', 1],
    ['1', 'Up', 0],
    [15, 'Teens', 2],
    [10, 'Teens', 2],
    [20, 'Teens', 2],
    [21, undefined, undefined],
    [1e6, 'Huge', 3],
    ['host-42', 'Host 42', 4],
    ['error: disk', undefined, 5],
    ['xerror', undefined, undefined],
    [null, 'N/A', 6],
    ['null', 'N/A', 6],
    [NaN, 'Not a number', 7],
    [true, 'Yes', 8],
    ['TRUE', 'Yes', 8],
    [false, 'No', 9],
    ['', '(empty)', 10],
  ])('%j -> %s', (value, text, index) => {
    const result = applyMappings(value, mappings);
    expect(result?.text).toBe(text);
    expect(result?.index).toBe(index);
  });

  it('resolves the color of the matching mapping', () => {
    expect(applyMappings(1, mappings)?.color).toBe('#73BF69');
    expect(applyMappings('error', mappings)?.color).toBe('#C4162A');
  });

  it('ignores broken mappings and no mappings', () => {
    expect(applyMappings(1, undefined)).toBeNull();
    expect(applyMappings('x', [{ type: 'regex', options: { pattern: '([', result: { text: 'bad' } } }])).toBeNull();
    expect(applyMappings(5, [{ type: 'value', options: { '5': 'not-an-object' } }])).toBeNull();
    expect(applyMappings('toString', [{ type: 'value', options: {} }])).toBeNull();
  });
});
