import { describe, expect, it } from 'vitest';
import { reduceValue, reduceValues, reducerName, resolveReducerId } from './calc';

describe('reducers', () => {
  const v = [3, null, 1, 4, 1, 5, null];
  it.each([
    ['lastNotNull', 5],
    ['last', null],
    ['firstNotNull', 3],
    ['first', 3],
    ['min', 1],
    ['max', 5],
    ['mean', 2.8],
    ['sum', 14],
    ['count', 5],
    ['range', 4],
    ['diff', 2],
    ['median', 3],
    ['distinctCount', 4],
    ['changeCount', 4],
    ['countAll', 7],
    ['p50', 3],
  ])('%s', (id, expected) => {
    expect(reduceValue(v, id)).toBe(expected);
  });

  it('delta ignores a counter reset, as Grafana does', () => {
    expect(reduceValue([1, 3, 6, 2, 4, 5], 'delta')).toBe(6);
  });

  it('allValues / uniqueValues return arrays', () => {
    expect(reduceValues([1, 1, 2], ['allValues', 'uniqueValues'])).toEqual({ allValues: [1, 1, 2], uniqueValues: [1, 2] });
  });

  it('empty input gives Grafana empty results', () => {
    expect(reduceValues([], ['sum', 'count', 'mean', 'lastNotNull'])).toEqual({ sum: 0, count: 0, mean: null, lastNotNull: null });
  });

  it('string columns get first/last but no sum', () => {
    expect(reduceValues(['a', 'b'], ['lastNotNull', 'sum', 'max'], 'ignore', false)).toEqual({ lastNotNull: 'b', sum: 0, max: null });
  });

  it('names and aliases', () => {
    expect(['lastNotNull', 'mean', 'sum', 'diff', 'p95'].map(reducerName)).toEqual(['Last *', 'Mean', 'Total', 'Difference', '95th %']);
    expect(['current', 'avg', 'total', 'nope'].map(resolveReducerId)).toEqual(['lastNotNull', 'mean', 'sum', undefined]);
  });
});
