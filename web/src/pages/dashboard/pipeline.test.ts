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
