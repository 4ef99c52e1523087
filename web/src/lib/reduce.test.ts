// Table tests of every reducer, including empty input, nulls and NaN, and of their display names.

import { describe, expect, it } from 'vitest';
import { isReducer, reduce, reduceAll, reducerNames, type ReduceInput } from './reduce';

const series: ReduceInput[] = [null, 3, 1, null, 4, 1, 5, null];

describe('reduce', () => {
  it.each<[string, ReduceInput[], unknown]>([
    ['lastNotNull', series, 5],
    ['lastNotNull', [1, NaN, null], 1],
    ['last', series, null],
    ['firstNotNull', series, 3],
    ['first', series, null],
    ['min', series, 1],
    ['max', series, 5],
    ['mean', series, 2.8],
    ['sum', series, 14],
    ['count', series, 8],
    ['range', series, 4],
    ['diff', series, 2],
    ['diffperc', [50, 75], 50],
    ['diffperc', [200, null, 100], -50],
    ['changeCount', [1, 1, 2, 2, 1], 2],
    ['changeCount', [1, null, 1], 2],
    ['distinctCount', [1, 2, 2, null, 3, null], 4],
    ['median', [5, 1, 3], 3],
    ['median', [4, 1, 3, 2, null], 2.5],
    ['variance', [2, 4, 4, 4, 5, 5, 7, 9], 4],
    ['stdDev', [2, 4, 4, 4, 5, 5, 7, 9], 2],
    ['logmin', [-1, 0, 0.5, 3], 0.5],
    ['allIsNull', [null, undefined], true],
    ['allIsNull', [null, 0], false],
    ['allIsZero', [0, null, 0], true],
    ['allIsZero', [null], false],
    ['allIsZero', [0, 1], false],
    ['delta', [1, 2, 5], 4],
    ['delta', [1, 5, 2, 4], 8],
    ['delta', [10, 20, 5], 15],
    ['step', [10, 20, 25, 40], 5],
    ['p50', [1, 2, 3, 4, 5], 3],
    ['p90', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 9],
    ['p99', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10],
    ['p1', [5, null, 1, 9], 1],
    ['lastNotNull', ['a', 'b', null], 'b'],
  ])('%s(%j) = %j', (id, values, expected) => {
    expect(reduce(values, id)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['lastNotNull', null], ['last', null], ['min', null], ['max', null], ['mean', null], ['sum', 0],
    ['count', 0], ['range', null], ['delta', 0], ['diff', null], ['median', null], ['p95', null],
    ['changeCount', 0], ['distinctCount', 0], ['allIsNull', true], ['allIsZero', false], ['stdDev', null],
  ])('%s of no values is %j', (id, expected) => {
    expect(reduce([], id)).toBe(expected);
  });

  it('propagates NaN into sums like Grafana but not into min/max', () => {
    expect(reduce([1, NaN, 3], 'sum')).toBeNaN();
    expect(reduce([1, NaN, 3], 'max')).toBe(3);
  });

  it('returns null for an unknown reducer', () => {
    expect(reduce([1], 'nope')).toBeNull();
    expect(isReducer('p95')).toBe(true);
    expect(isReducer('toString')).toBe(false);
  });

  it('computes several reducers at once', () => {
    expect(reduceAll([1, 2, 3], ['min', 'max', 'mean'])).toEqual({ min: 1, max: 3, mean: 2 });
  });
});

describe('reducerNames', () => {
  it('names reducers as Grafana does', () => {
    const name = (id: string) => reducerNames.find((r) => r.id === id)?.name;
    expect([name('lastNotNull'), name('mean'), name('sum'), name('p1'), name('p2'), name('p3'), name('p11'), name('p95')])
      .toEqual(['Last *', 'Mean', 'Total', '1st %', '2nd %', '3rd %', '11th %', '95th %']);
  });

  it('lists only known reducers, each once', () => {
    expect(reducerNames.every((r) => isReducer(r.id))).toBe(true);
    expect(new Set(reducerNames.map((r) => r.id)).size).toBe(reducerNames.length);
  });
});

describe('reduce with hostile ids', () => {
  it.each(['toString', 'constructor', '__proto__'])('%s is unknown', (id) => {
    expect(reduce([1, 2], id)).toBeNull();
  });
});
