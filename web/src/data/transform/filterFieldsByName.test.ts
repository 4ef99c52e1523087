import { describe, expect, it } from 'vitest';
import { filterFieldsByName } from './filterFieldsByName';
import { names, volumes } from './testFrames';

describe('filterFieldsByName', () => {
  it.each([
    [{ include: { names: ['persistentvolumeclaim', 'Value #A'] } }, ['persistentvolumeclaim', 'Value #A']],
    [{ include: { pattern: 'Value.*' } }, ['Value #A']],
    [{ include: { pattern: 'Value' } }, []], // plain patterns are anchored
    [{ exclude: { names: ['Time'] } }, ['namespace', 'persistentvolumeclaim', 'Value #A']],
    [{ exclude: { pattern: '/^(Time|namespace)$/' } }, ['persistentvolumeclaim', 'Value #A']],
  ])('%j', (options, expected) => {
    const out = filterFieldsByName([volumes()[0]], options);
    expect(out.length ? names(out[0]) : []).toEqual(expected);
  });

  it('no options: unchanged', () => {
    const frames = volumes();
    expect(filterFieldsByName(frames, { include: { names: [] } })).toBe(frames);
  });
});
