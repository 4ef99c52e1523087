import { describe, expect, it } from 'vitest';
import { filterByRefId } from './filterByRefId';
import { volumes } from './testFrames';

describe('filterByRefId', () => {
  it.each([
    [{ include: 'A' }, ['A']],
    [{ include: 'A|B' }, ['A', 'B']],
    [{ include: '/B/' }, ['B']],
    [{ exclude: 'A' }, ['B']],
    [{}, ['A', 'B']],
  ])('%j', (options, expected) => {
    expect(filterByRefId(volumes(), options).map((f) => f.refId)).toEqual(expected);
  });
});
