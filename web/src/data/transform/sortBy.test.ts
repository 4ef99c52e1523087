import { describe, expect, it } from 'vitest';
import { sortBy } from './sortBy';
import { col, table } from './testFrames';

describe('sortBy', () => {
  const f = table({ pod: ['string', ['b', 'a', 'c']], cpu: ['number', [2, null, 3]] });
  it.each([
    [{ sort: [{ field: 'cpu' }] }, ['a', 'b', 'c']],
    [{ sort: [{ field: 'cpu', desc: true }] }, ['c', 'b', 'a']],
    [{ sort: [{ field: 'pod', desc: true }, { field: 'cpu' }] }, ['c', 'b', 'a']],
    [{ sort: [{ field: 'missing' }] }, ['b', 'a', 'c']],
    [{}, ['b', 'a', 'c']],
  ])('%j', (options, expected) => {
    expect(col(sortBy([f], options)[0], 'pod')).toEqual(expected);
  });
});
