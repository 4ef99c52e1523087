import { describe, expect, it } from 'vitest';
import {
  absoluteSteps,
  alignmentFactors,
  dataRange,
  displayValues,
  fieldMatcher,
  fieldRange,
  formatFieldValue,
  isNoData,
  percentOf,
  readReduceOptions,
  rowTitle,
  valueColor,
} from './display';
import { field, frame, series } from './testFrames';
import { resolveColor, seriesColor } from './lib';

const GREEN = resolveColor('green');
const RED = resolveColor('red');

describe('reduceOptions', () => {
  it('uses lastNotNull by default and skips trailing nulls', () => {
    const [v] = displayValues([series('cpu', [1, 2, 3], [10, 20, null])], {});
    expect(v.numeric).toBe(20);
    expect(v.calc).toBe('lastNotNull');
  });

  it('gives one value per numeric field and ignores the time field', () => {
    const values = displayValues([series('a', [1, 2], [1, 2]), series('b', [1, 2], [3, 4])], { calcs: ['max'] });
    expect(values.map((v) => [v.title, v.numeric])).toEqual([['a', 2], ['b', 4]]);
  });

  it('gives one value per calculation', () => {
    const values = displayValues([series('a', [1, 2, 3], [5, 1, 3])], { calcs: ['min', 'max', 'mean'] });
    expect(values.map((v) => [v.calc, v.numeric])).toEqual([['min', 1], ['max', 5], ['mean', 3]]);
  });

  it('selects fields by regex on the display name', () => {
    const f = frame([field('Time', 'time', [1]), field('cpu', 'number', [1]), field('mem', 'number', [2])]);
    expect(displayValues([f], { fields: '/^mem$/' }).map((v) => v.title)).toEqual(['mem']);
    expect(displayValues([f], { fields: '/c.u/' }).map((v) => v.title)).toEqual(['cpu']);
  });

  it('selects a field by its exact name when the pattern has no slashes', () => {
    const f = frame([field('cpu', 'number', [1]), field('cpu2', 'number', [2])]);
    expect(displayValues([f], { fields: 'cpu' }).map((v) => v.title)).toEqual(['cpu']);
  });

  it('can select a string field and shows its last value as text', () => {
    const f = frame([field('state', 'string', ['up', 'down', null])]);
    const [v] = displayValues([f], { fields: '/state/' });
    expect(v.text).toBe('down');
    expect(Number.isNaN(v.numeric)).toBe(true);
  });

  it('shows every row with values: true, up to the limit', () => {
    const f = frame([field('host', 'string', ['a', 'b', 'c']), field('load', 'number', [1, 2, 3])]);
    const values = displayValues([f], { values: true, limit: 2 });
    expect(values.map((v) => [v.title, v.numeric, v.rowIndex])).toEqual([['a', 1, 0], ['b', 2, 1]]);
  });

  it('limits values: true to 25 rows by default', () => {
    const n = Array.from({ length: 40 }, (_, i) => i);
    expect(displayValues([frame([field('x', 'number', n)])], { values: true })).toHaveLength(25);
  });

  it('names rows after their string values, adding the field name when there are other numeric fields', () => {
    const f = frame([field('host', 'string', ['a']), field('dc', 'string', ['eu']), field('load', 'number', [1]), field('mem', 'number', [2])]);
    expect(rowTitle(f, f.fields[2], 0)).toBe('a eu load');
    const g = frame([field('host', 'string', ['']), field('load', 'number', [1])]);
    expect(rowTitle(g, g.fields[1], 0)).toBe('load');
    const h = frame([field('load', 'number', [1], { displayName: 'Load' })]);
    expect(rowTitle(h, h.fields[0], 0)).toBe('Load');
  });

  it('reads reduceOptions from panel options defensively', () => {
    expect(readReduceOptions({ reduceOptions: { values: true, limit: 3, calcs: ['max', 7], fields: '/a/' } })).toEqual({
      values: true, limit: 3, calcs: ['max'], fields: '/a/',
    });
    expect(readReduceOptions(undefined)).toEqual({ values: false, limit: undefined, calcs: undefined, fields: undefined });
  });
});

describe('titles', () => {
  it('uses displayName from the field config', () => {
    const [v] = displayValues([series('cpu', [1], [1], { displayName: 'CPU' })], {});
    expect(v.title).toBe('CPU');
  });

  it('shows labels as Grafana does', () => {
    const [v] = displayValues([series('up', [1], [1], {}, { job: 'node', instance: 'a:9100' })], {});
    expect(v.title).toBe('up{job="node", instance="a:9100"}');
  });
});

describe('formatting', () => {
  it('formats with the unit and decimals', () => {
    const [v] = displayValues([series('p', [1], [42.456], { unit: 'percent', decimals: 1 })], {});
    expect(v.formatted).toBe('42.5%');
    expect(v.text).toBe('42.5');
    expect(v.suffix).toBe('%');
  });

  it('formats decimals: 0', () => {
    const [v] = displayValues([series('p', [1], [7.8], { decimals: 0 })], {});
    expect(v.formatted).toBe('8');
  });

  it('shows "No data" for a null reduction, or the noValue text', () => {
    expect(displayValues([series('a', [1], [null])], {})[0].formatted).toBe('No data');
    expect(displayValues([series('a', [1], [null], { noValue: 'n/a' })], {})[0].formatted).toBe('n/a');
  });

  it('gives one "No data" value when nothing matches, using the defaults noValue', () => {
    const none = displayValues([], {});
    expect(isNoData(none)).toBe(true);
    expect(none[0].formatted).toBe('No data');
    expect(displayValues([], {}, { defaults: { noValue: 'empty' } })[0].formatted).toBe('empty');
    expect(isNoData(displayValues([series('a', [1], [1])], {}))).toBe(false);
  });

  it('formats time values with the time zone', () => {
    const f = frame([field('t', 'time', [Date.UTC(2024, 0, 2, 3, 4, 5)])]);
    const [v] = displayValues([f], { fields: '/t/' }, { timeZone: 'utc' });
    expect(v.formatted).toContain('2024-01-02');
    expect(v.formatted).toContain('03:04:05');
  });

  it('formats objects as JSON and booleans as text', () => {
    const f = { type: 'other' as const, config: {} };
    expect(formatFieldValue({ a: 1 }, f, { min: 0, max: 1 }).text).toBe('{"a":1}');
    expect(formatFieldValue(true, { type: 'boolean', config: {} }, { min: 0, max: 1 }).text).toBe('true');
  });
});

describe('value mappings', () => {
  const mappings = [
    { type: 'value' as const, options: { '1': { text: 'UP', color: 'green', index: 0 }, '0': { text: 'DOWN', color: 'red', index: 1 } } },
    { type: 'range' as const, options: { from: 10, to: 20, result: { text: 'mid', index: 2 } } },
    { type: 'regex' as const, options: { pattern: '/^err.*/', result: { text: 'Error', color: 'orange', index: 3 } } },
    { type: 'special' as const, options: { match: 'null', result: { text: 'missing', color: 'blue', index: 4 } } },
  ];

  it('maps a value to text and color', () => {
    const v = formatFieldValue(0, { type: 'number', config: { mappings, unit: 'percent' } }, { min: 0, max: 1 });
    expect(v.formatted).toBe('DOWN');
    expect(v.prefix).toBeUndefined();
    expect(v.color).toBe(RED);
  });

  it('maps a range keeping the threshold color when the mapping has none', () => {
    const v = formatFieldValue(15, { type: 'number', config: { mappings } }, { min: 0, max: 100 });
    expect(v.text).toBe('mid');
    expect(v.color).toBe(GREEN);
  });

  it('maps regex and null', () => {
    expect(formatFieldValue('error: x', { type: 'string', config: { mappings } }, { min: 0, max: 1 }).text).toBe('Error');
    const n = formatFieldValue(null, { type: 'number', config: { mappings } }, { min: 0, max: 1 });
    expect(n.text).toBe('missing');
    expect(n.color).toBe(resolveColor('blue'));
  });

  it('applies mappings to reduced values', () => {
    const [v] = displayValues([series('up', [1, 2], [0, 1], { mappings })], {});
    expect(v.formatted).toBe('UP');
    expect(v.color).toBe(GREEN);
  });
});

describe('min/max and percent', () => {
  it('uses the config min/max', () => {
    expect(fieldRange({ min: 5, max: 10 }, undefined, { min: 0, max: 1 })).toEqual({ min: 5, max: 10 });
  });

  it('uses 0..100 for percent and 0..1 for percentunit', () => {
    expect(fieldRange({ unit: 'percent' }, undefined, { min: 20, max: 30 })).toEqual({ min: 0, max: 100 });
    expect(fieldRange({ unit: 'percentunit' }, undefined, undefined)).toEqual({ min: 0, max: 1 });
    expect(fieldRange({ unit: 'percent', max: 50 }, undefined, undefined)).toEqual({ min: 0, max: 50 });
  });

  it('uses the global data range otherwise, or the field range with fieldMinMax', () => {
    const frames = [series('a', [1, 2], [1, 5]), series('b', [1, 2], [10, 20])];
    expect(dataRange(frames)).toEqual({ min: 1, max: 20 });
    const values = displayValues(frames, {});
    expect(values[0]).toMatchObject({ min: 1, max: 20 });
    expect(values[0].percent).toBeCloseTo(4 / 19);
    const a = frames[0].fields[1];
    expect(fieldRange({ fieldMinMax: true }, a, { min: 1, max: 20 })).toEqual({ min: 1, max: 5 });
  });

  it('keeps a one-sided config bound and fills the other from data', () => {
    expect(fieldRange({ min: 0 }, undefined, { min: 3, max: 9 })).toEqual({ min: 0, max: 9 });
  });

  it('computes percent clamped to 0..1', () => {
    expect(percentOf(50, 0, 200)).toBe(0.25);
    expect(percentOf(-5, 0, 10)).toBe(0);
    expect(percentOf(50, 0, 10)).toBe(1);
    expect(percentOf(5, 5, 5)).toBe(1);
    expect(percentOf(NaN, 0, 10)).toBe(0);
  });
});

describe('colors', () => {
  const thresholds = { mode: 'absolute' as const, steps: [{ value: null, color: 'green' }, { value: 50, color: 'orange' }, { value: 90, color: 'red' }] };

  it('colors by absolute thresholds', () => {
    const r = { min: 0, max: 100 };
    expect(valueColor(10, { thresholds }, r, 0, '')).toBe(GREEN);
    expect(valueColor(50, { thresholds }, r, 0, '')).toBe(resolveColor('orange'));
    expect(valueColor(95, { thresholds }, r, 0, '')).toBe(RED);
  });

  it('colors by percentage thresholds within min/max', () => {
    const pct = { ...thresholds, mode: 'percentage' as const };
    expect(valueColor(150, { thresholds: pct }, { min: 100, max: 200 }, 0, '')).toBe(resolveColor('orange'));
    expect(valueColor(120, { thresholds: pct }, { min: 100, max: 200 }, 0, '')).toBe(GREEN);
  });

  it('uses Grafana default thresholds (red from 80) when none are set', () => {
    expect(valueColor(81, {}, { min: 0, max: 100 }, 0, '')).toBe(RED);
    expect(valueColor(79, {}, { min: 0, max: 100 }, 0, '')).toBe(GREEN);
  });

  it('uses the base color for null values', () => {
    expect(valueColor(NaN, { thresholds }, { min: 0, max: 100 }, 0, '')).toBe(GREEN);
  });

  it('supports fixed, palette and continuous color modes', () => {
    const r = { min: 0, max: 100 };
    expect(valueColor(1, { color: { mode: 'fixed', fixedColor: 'purple' } }, r, 0, '')).toBe(resolveColor('purple'));
    expect(valueColor(1, { color: { mode: 'fixed', fixedColor: '#123456' } }, r, 0, '')).toBe('#123456');
    expect(valueColor(1, { color: { mode: 'palette-classic' } }, r, 3, '')).toBe(seriesColor(3));
    const byName = valueColor(1, { color: { mode: 'palette-classic-by-name' } }, r, 0, 'cpu');
    expect(byName).toBe(valueColor(1, { color: { mode: 'palette-classic-by-name' } }, r, 7, 'cpu'));
    expect(valueColor(0, { color: { mode: 'continuous-GrYlRd' } }, r, 0, '')).toBe(GREEN);
    expect(valueColor(100, { color: { mode: 'continuous-GrYlRd' } }, r, 0, '')).toBe(RED);
    expect(valueColor(1, { color: { mode: 'fixed' } }, r, 0, '')).toBe('var(--text)');
  });

  it('gives palette colors by value index', () => {
    const values = displayValues([series('a', [1], [1], { color: { mode: 'palette-classic' } }), series('b', [1], [1], { color: { mode: 'palette-classic' } })], {});
    expect(values.map((v) => v.color)).toEqual([seriesColor(0), seriesColor(1)]);
  });

  it('lists threshold steps as absolute values, percentage ones placed in min..max', () => {
    expect(absoluteSteps({ thresholds: { mode: 'percentage', steps: [{ value: null, color: 'green' }, { value: 50, color: 'red' }] } }, 100, 300)).toEqual([
      { value: -Infinity, color: GREEN },
      { value: 200, color: RED },
    ]);
  });

  it('sorts threshold steps', () => {
    const steps = absoluteSteps({ thresholds: { mode: 'absolute', steps: [{ value: 90, color: 'red' }, { value: null, color: 'green' }] } }, 0, 100);
    expect(steps.map((s) => s.value)).toEqual([-Infinity, 90]);
  });
});

describe('helpers', () => {
  it('matches nothing for an invalid regex', () => {
    expect(fieldMatcher('/(/')(field('a', 'number', []), frame([]))).toBe(false);
  });

  it('shares sparkline arrays instead of copying', () => {
    const f = series('a', [1, 2], [3, 4]);
    const [v] = displayValues([f], {}, { sparkline: true });
    expect(v.sparkline?.x).toBe(f.fields[0].values);
    expect(v.sparkline?.y).toBe(f.fields[1].values);
    expect(displayValues([f], {})[0].sparkline).toBeUndefined();
  });

  it('finds the longest title and text for shared font sizes', () => {
    const values = displayValues([series('a', [1], [1]), series('longer', [1], [12345])], {});
    expect(alignmentFactors(values)).toEqual({ title: 'longer', formatted: '12345' });
  });
});
