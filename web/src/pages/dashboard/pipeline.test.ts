import { describe, expect, it } from 'vitest';
import type { Panel } from '../../api/dashboard';
import { panelFrames } from './pipeline';

const series = [
  { name: 'temp', labels: { site: 'north' }, t: [1000, 2000], v: [1, 2] },
  { name: 'temp', labels: { site: 'south' }, t: [1000, 2000], v: [3, 4] },
];

describe('panelFrames', () => {
  it('makes one frame per series with the field config applied', () => {
    const panel: Panel = { id: 1, type: 'timeseries', fieldConfig: { defaults: { unit: 'celsius' }, overrides: [] } };
    const { frames } = panelFrames(panel, series);
    expect(frames).toHaveLength(2);
    expect(frames[0].fields[1].config.unit).toBe('celsius');
    expect(frames[0].fields[0].config.unit).toBeUndefined();
  });

  it('applies transformations and reports unknown ones', () => {
    const panel: Panel = {
      id: 1,
      type: 'table',
      transformations: [{ id: 'merge', options: {} }, { id: 'noSuchThing' }],
    };
    const { frames, warnings } = panelFrames(panel, series);
    expect(frames).toHaveLength(1);
    expect(warnings.join()).toContain('noSuchThing');
  });

  it('shifts overlay points forward', () => {
    const { frames } = panelFrames({ id: 1, type: 'timeseries' }, series, 86_400_000);
    expect(frames[0].fields[0].values).toEqual([86_401_000, 86_402_000]);
    expect(series[0].t).toEqual([1000, 2000]);
  });
});

describe('panelTimeRange', () => {
  const now = Date.UTC(2026, 0, 10, 12, 0, 0);
  const range = { from: now - 3_600_000, to: now };
  it('keeps the dashboard range without overrides', async () => {
    const { panelTimeRange } = await import('./pipeline');
    expect(panelTimeRange({}, range, now)).toEqual(range);
  });
  it('applies timeFrom and timeShift', async () => {
    const { panelTimeRange } = await import('./pipeline');
    expect(panelTimeRange({ timeFrom: '5m' }, range, now)).toEqual({ from: now - 300_000, to: now });
    expect(panelTimeRange({ timeShift: '1d' }, range, now)).toEqual({ from: range.from - 86_400_000, to: now - 86_400_000 });
    expect(panelTimeRange({ timeFrom: 'now-2h', timeShift: '1h' }, range, now)).toEqual({ from: now - 3 * 3_600_000, to: now - 3_600_000 });
  });
});
