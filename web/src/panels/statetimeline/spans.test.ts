import { describe, expect, it } from 'vitest';
import type { FieldConfig } from '../../api/dashboard';
import { computeSpans, spanAt, stateLegend, stateLook } from './spans';

describe('state spans', () => {
  const t = [0, 10, 20, 30, 40];

  it('merges contiguous equal values and runs the last span to the range end', () => {
    expect(computeSpans(t, ['a', 'a', 'b', 'b', 'a'], { mergeValues: true, end: 50 })).toEqual([
      { start: 0, end: 20, value: 'a' },
      { start: 20, end: 40, value: 'b' },
      { start: 40, end: 50, value: 'a' },
    ]);
  });

  it('keeps one span per point without mergeValues', () => {
    expect(computeSpans(t, [1, 1, 2, 2, 2], { mergeValues: false, end: 40 }).map((s) => [s.start, s.end])).toEqual([
      [0, 10], [10, 20], [20, 30], [30, 40], [40, 40],
    ]);
  });

  it('ends a span at a null, or continues over it with spanNulls', () => {
    expect(computeSpans(t, [1, null, 1, 1, 2], { mergeValues: true, end: 45 })).toEqual([
      { start: 0, end: 10, value: 1 },
      { start: 20, end: 40, value: 1 },
      { start: 40, end: 45, value: 2 },
    ]);
    expect(computeSpans(t, [1, null, 1, 1, 2], { mergeValues: true, spanNulls: true, end: 45 })[0]).toEqual({ start: 0, end: 40, value: 1 });
  });

  it('finds the span under a time', () => {
    const spans = computeSpans(t, ['a', 'a', 'b', 'b', 'a'], { mergeValues: true, end: 50 });
    expect(spanAt(spans, 5)?.value).toBe('a');
    expect(spanAt(spans, 20)?.value).toBe('b');
    expect(spanAt(spans, 60)).toBeNull();
  });

  const config: FieldConfig = {
    unit: 'percent',
    thresholds: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: 80, color: 'red' }] },
    mappings: [{ type: 'value', options: { '1': { text: 'UP', color: 'blue' } } }],
  };

  it('looks up mapped text and color first, then thresholds, then a palette per value', () => {
    const d = new Map<string, number>();
    const up = stateLook(1, config, d);
    expect(up.text).toBe('UP');
    expect(up.color).not.toBe(stateLook(90, config, d).color);
    expect(stateLook(90, config, d).text).toBe('90%');
    expect(stateLook(90, config, d).color).toBe(stateLook(95, config, d).color);
    const a = stateLook('idle', {}, d);
    const b = stateLook('busy', {}, d);
    expect(a.color).not.toBe(b.color);
    expect(stateLook('idle', {}, d).color).toBe(a.color);
  });

  it('lists mapped states and threshold steps in the legend', () => {
    expect(stateLegend(config, true).map((i) => i.label)).toEqual(['UP', '< 80', '80+']);
    expect(stateLegend(config, false).map((i) => i.label)).toEqual(['UP']);
  });
});
