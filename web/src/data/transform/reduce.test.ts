import { describe, expect, it } from 'vitest';
import { reduce } from './reduce';
import { col, cpu, names } from './testFrames';

describe('reduce', () => {
  it('seriesToRows: Field + one column per reducer (Grafana names)', () => {
    const [out] = reduce(cpu(), { reducers: ['lastNotNull', 'mean', 'max'] });
    expect(names(out)).toEqual(['Field', 'Last *', 'Mean', 'Max']);
    expect(col(out, 'Field')).toEqual([
      'node_cpu_seconds_total{instance="node1:9100", mode="idle"}',
      'node_cpu_seconds_total{instance="node1:9100", mode="user"}',
    ]);
    expect(col(out, 'Last *')).toEqual([80, 10]);
    expect(col(out, 'Mean')).toEqual([85, 7.5]);
    expect(out.length).toBe(2);
  });

  it('labelsToFields: field name plus one column per label', () => {
    const [out] = reduce(cpu(), { reducers: ['sum'], labelsToFields: true });
    expect(names(out)).toEqual(['Field', 'instance', 'mode', 'Total']);
    expect(col(out, 'mode')).toEqual(['idle', 'user']);
  });

  it('reduceFields keeps the frames, one row each; several reducers label the fields', () => {
    const out = reduce(cpu(), { reducers: ['max'], mode: 'reduceFields' });
    expect(out).toHaveLength(2);
    expect(names(out[0])).toEqual(['node_cpu_seconds_total']);
    expect(out[0].fields[0].values).toEqual([90]);
    const two = reduce(cpu(), { reducers: ['min', 'max'], mode: 'reduceFields', includeTimeField: true });
    expect(two[0].fields.map((f) => f.labels?.reducer)).toEqual(['Min', 'Max', 'Min', 'Max']);
  });

  it('no reducers: unchanged', () => {
    const frames = cpu();
    expect(reduce(frames, { reducers: [] })).toBe(frames);
  });
});
