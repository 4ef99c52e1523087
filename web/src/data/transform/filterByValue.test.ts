import { describe, expect, it } from 'vitest';
import { filterByValue } from './filterByValue';
import { col, table } from './testFrames';

const pods = table({
  pod: ['string', ['api-1', 'api-2', 'db-0', 'cache-0']],
  restarts: ['number', [0, 5, 12, null]],
});
const cond = (id: string, options: Record<string, unknown> = {}, fieldName = 'restarts') => ({ fieldName, config: { id, options } });

describe('filterByValue', () => {
  it.each([
    [{ filters: [cond('greater', { value: 1 })] }, ['api-2', 'db-0']],
    [{ filters: [cond('greater', { value: 1 })], type: 'exclude' }, ['api-1', 'cache-0']],
    [{ filters: [cond('range', { from: 0, to: 12 })] }, ['api-2']],
    [{ filters: [cond('isNull')] }, ['cache-0']],
    [{ filters: [cond('isNotNull'), cond('regex', { value: '^api' }, 'pod')], match: 'all' }, ['api-1', 'api-2']],
    [{ filters: [cond('equal', { value: 'db-0' }, 'pod'), cond('lower', { value: 1 })], match: 'any' }, ['api-1', 'db-0', 'cache-0']],
    [{ filters: [cond('notEqual', { value: 0 }), cond('greaterOrEqual', { value: 5 })], match: 'all' }, ['api-2', 'db-0']],
    [{ filters: [cond('lowerOrEqual', { value: 5 }, 'missing')] }, []],
  ])('%j', (options, expected) => {
    const [out] = filterByValue([pods], options);
    expect(col(out, 'pod')).toEqual(expected);
    expect(out.length).toBe(expected.length);
  });

  it('no filters: unchanged', () => {
    expect(filterByValue([pods], { filters: [] })).toEqual([pods]);
  });
});
