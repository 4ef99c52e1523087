import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dashboard, Panel, Transformation } from '../../api/dashboard';
import { displayName } from '../frame';
import { applyTransformations, transformers } from './index';
import { col, cpu, volumes } from './testFrames';

describe('applyTransformations', () => {
  it('applies in order, skips disabled ones, reports unknown ids and leaves frames unchanged', () => {
    const frames = cpu();
    const { frames: out, warnings } = applyTransformations(frames, [
      { id: 'reduce', options: { reducers: ['max'] }, disabled: true },
      { id: 'prepareTimeSeries', options: {} },
      { id: 'labelsToFields', options: { keepLabels: ['mode'] } },
      { id: 'merge', options: {} },
    ]);
    expect(warnings).toEqual(['transformation 2 ("prepareTimeSeries") is not supported; skipped']);
    expect(out).toHaveLength(1);
    expect(col(out[0], 'mode')).toEqual(['idle', 'idle', 'idle', 'user', 'user', 'user']);
  });

  it('option shapes it cannot read are ignored, not thrown', () => {
    const { frames, warnings } = applyTransformations(cpu(), [{ id: 'calculateField', options: { mode: 'reduceRow', reduce: { reducer: 'sum', include: 42 } } }]);
    expect(frames).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('runs the "Persistent Volumes" chain of dotdc k8s-views-nodes (groupBy, seriesToColumns, organize)', () => {
    const d = JSON.parse(readFileSync('/work/shared/grafana-dashboards/dotdc-k8s-views-nodes.json', 'utf8')) as Dashboard;
    const all = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...all(p.panels ?? [])]);
    const panel = all(d.panels ?? []).find((p) => p.title === 'Persistent Volumes - Usage in GB') as Panel;
    const { frames, warnings } = applyTransformations(volumes(), panel.transformations as Transformation[]);
    expect(warnings).toEqual([]);
    expect(frames).toHaveLength(1);
    const f = frames[0];
    expect(f.fields.map((x) => displayName(x, f))).toEqual(['Persistent Volume Claim', 'Used', 'Total']);
    expect(f.fields.map((x) => x.values)).toEqual([['pg-data', 'uploads'], [40, 5], [100, 20]]);
  });

  it('every transformation id used by the dashboard corpus is supported', () => {
    const ids = new Set<string>();
    for (const file of ['dotdc-k8s-views-nodes', 'dotdc-k8s-views-pods', 'dotdc-k8s-views-global', 'rfmoz-node-exporter-full']) {
      const d = JSON.parse(readFileSync(`/work/shared/grafana-dashboards/${file}.json`, 'utf8')) as Dashboard;
      const walk = (ps: Panel[]) => ps.forEach((p) => (p.transformations?.forEach((t) => ids.add(t.id)), walk(p.panels ?? [])));
      walk(d.panels ?? []);
    }
    expect([...ids].filter((id) => !(id in transformers))).toEqual([]);
  });

  it('never mutates its input', () => {
    const frames = volumes();
    const before = JSON.stringify(frames);
    applyTransformations(frames, Object.keys(transformers).map((id) => ({ id, options: {} })));
    expect(JSON.stringify(frames)).toBe(before);
  });
});
