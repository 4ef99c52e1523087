import { describe, expect, it } from 'vitest';
import { joinByFieldTransformer, seriesToColumns } from './joinByField';
import { col, cpu, names, volumes } from './testFrames';

describe('joinByField / seriesToColumns', () => {
  it('seriesToColumns joins series on time', () => {
    const out = seriesToColumns(cpu(), {});
    expect(out).toHaveLength(1);
    expect(names(out[0])).toEqual(['Time', 'node_cpu_seconds_total', 'node_cpu_seconds_total']);
  });

  it('joins table results on a label column (byField)', () => {
    const out = joinByFieldTransformer(volumes(), { byField: 'persistentvolumeclaim', mode: 'outer' });
    expect(names(out[0])).toEqual(['persistentvolumeclaim', 'Time', 'namespace', 'Value #A', 'Time', 'namespace', 'Value #B']);
    expect(col(out[0], 'Value #B')).toEqual([100, 20]);
  });

  it('inner mode and a missing field', () => {
    const [a, b] = volumes();
    const b2 = { ...b, fields: b.fields.map((f) => (f.name === 'persistentvolumeclaim' ? { ...f, values: ['pg-data', 'logs'] } : f)) };
    expect(joinByFieldTransformer([a, b2], { byField: 'persistentvolumeclaim', mode: 'inner' })[0].length).toBe(1);
    const frames = volumes();
    expect(joinByFieldTransformer(frames, { byField: 'nope' })).toBe(frames);
  });
});
