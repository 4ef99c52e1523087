import { describe, expect, it } from 'vitest';
import { displayName } from '../frame';
import { labelsToFields } from './labelsToFields';
import { col, cpu, names } from './testFrames';

describe('labelsToFields', () => {
  it('columns mode: labels become string columns after the value field', () => {
    const out = labelsToFields(cpu(), {});
    expect(out).toHaveLength(2);
    expect(names(out[0])).toEqual(['Time', 'node_cpu_seconds_total', 'instance', 'mode']);
    expect(col(out[0], 'mode')).toEqual(['idle', 'idle', 'idle']);
    expect(out[0].fields[1].labels).toBeUndefined();
  });

  it('keepLabels and valueLabel (the value column named after a label)', () => {
    const out = labelsToFields(cpu(), { keepLabels: ['mode'], valueLabel: 'mode' });
    expect(names(out[1])).toEqual(['Time', 'user']);
  });

  it('drops a displayName that would repeat the labels', () => {
    const [f] = cpu();
    f.fields[1].config = { displayName: 'cpu {{mode}}' };
    const out = labelsToFields([f], {});
    expect(displayName(out[0].fields[1], out[0])).toBe('node_cpu_seconds_total');
  });

  it('rows mode: one label/value table per series', () => {
    const out = labelsToFields(cpu(), { mode: 'rows' });
    expect(out[0].name).toBe('node_cpu_seconds_total{instance="node1:9100", mode="idle"}');
    expect(names(out[0])).toEqual(['label', 'value']);
    expect(col(out[1], 'value')).toEqual(['node1:9100', 'user']);
  });
});
