import { describe, expect, it } from 'vitest';
import { seriesToRows } from './seriesToRows';
import { col, names, promSeries, volumes } from './testFrames';

describe('seriesToRows', () => {
  it('Time, Metric, Value rows, newest first', () => {
    const a = promSeries('up{job="api"}', {}, [1000, 2000], [1, 1]);
    const b = promSeries('up{job="db"}', {}, [1500], [0]);
    const [out] = seriesToRows([a, b], {});
    expect(names(out)).toEqual(['Time', 'Metric', 'Value']);
    expect(col(out, 'Time')).toEqual([2000, 1500, 1000]);
    expect(col(out, 'Metric')).toEqual(['up{job="api"}', 'up{job="db"}', 'up{job="api"}']);
    expect(col(out, 'Value')).toEqual([1, 0, 1]);
  });

  it('leaves tables and single frames alone', () => {
    const frames = volumes();
    expect(seriesToRows(frames, {})).toBe(frames);
    expect(seriesToRows(frames.slice(0, 1), {})).toHaveLength(1);
  });
});
