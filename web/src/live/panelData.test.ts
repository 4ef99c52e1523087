import { describe, expect, it } from 'vitest';
import { PanelData, seriesKey } from './panelData';

describe('PanelData', () => {
  it('replaces, then appends only newer points', () => {
    const d = new PanelData();
    d.apply(true, [{ name: 'a', labels: { x: '1' }, t: [1, 2], v: [10, 20] }]);
    d.apply(false, [{ name: 'a', labels: { x: '1' }, t: [2, 3], v: [21, 30] }]);
    expect(d.series[0].t).toEqual([1, 2, 3]);
    expect(d.series[0].v).toEqual([10, 21, 30]);
    expect(d.appended).toBe(true);
    expect(d.version).toBe(2);
  });

  it('adds a series first seen in an append frame', () => {
    const d = new PanelData();
    d.apply(true, []);
    d.apply(false, [{ name: 'b', t: [5], v: [1] }]);
    expect(d.series.map((s) => s.name)).toEqual(['b']);
  });

  it('a replace frame drops series that are gone', () => {
    const d = new PanelData();
    d.apply(true, [{ name: 'a', t: [1], v: [1] }, { name: 'b', t: [1], v: [1] }]);
    d.apply(true, [{ name: 'b', t: [2], v: [2] }]);
    expect(d.series.map((s) => s.name)).toEqual(['b']);
  });

  it('trims points older than the window in chunks', () => {
    const d = new PanelData(1000);
    const t = Array.from({ length: 200 }, (_, i) => i * 10);
    d.apply(true, [{ name: 'a', t, v: t.map(() => 1) }]);
    d.apply(false, [{ name: 'a', t: [2000], v: [2] }]);
    expect(d.series[0].t[0]).toBeGreaterThanOrEqual(1000);
    expect(d.series[0].t[d.series[0].t.length - 1]).toBe(2000);
  });

  it('keys series by name and sorted labels', () => {
    expect(seriesKey({ name: 'm', labels: { b: '2', a: '1' } })).toBe(seriesKey({ name: 'm', labels: { a: '1', b: '2' } }));
    expect(seriesKey({ name: 'm', labels: { a: '1' } })).not.toBe(seriesKey({ name: 'm', labels: { a: '2' } }));
  });
});
