import { describe, expect, it } from 'vitest';
import { merge } from './merge';
import { col, names, table, volumes } from './testFrames';

describe('merge', () => {
  it('merges table results of two queries on their shared columns', () => {
    const [out] = merge(volumes(), {});
    expect(names(out)).toEqual(['Time', 'namespace', 'persistentvolumeclaim', 'Value #A', 'Value #B']);
    expect(col(out, 'Value #A')).toEqual([40, 5]);
    expect(col(out, 'Value #B')).toEqual([100, 20]);
    expect(out.length).toBe(2);
  });

  it('rows whose shared values differ stay separate', () => {
    const a = table({ Time: ['time', [1, 2]], job: ['string', ['api', 'db']], Uptime: ['number', [100, 200]] });
    const b = table({ Time: ['time', [1, 3]], job: ['string', ['api', 'db']], Errors: ['number', [1, 7]] });
    const [out] = merge([a, b], {});
    expect(col(out, 'Time')).toEqual([1, 2, 3]);
    expect(col(out, 'Uptime')).toEqual([100, 200, null]);
    expect(col(out, 'Errors')).toEqual([1, null, 7]);
  });

  it('a single frame, or frames with nothing in common, are unchanged', () => {
    const a = table({ x: ['number', [1]] });
    const b = table({ y: ['number', [2]] });
    expect(merge([a], {})).toEqual([a]);
    expect(merge([a, b], {})).toEqual([a, b]);
  });
});
