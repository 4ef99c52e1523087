import { describe, expect, it } from 'vitest';
import type { FieldOverride } from '../api/dashboard';
import { applyFieldConfig } from './fieldConfig';
import { displayName } from './frame';
import { cpu, table } from './transform/testFrames';

const defaults = {
  unit: 'percent',
  decimals: 1,
  min: 0,
  max: 100,
  color: { mode: 'palette-classic' },
  thresholds: { mode: 'absolute' as const, steps: [{ value: null, color: 'green' }, { value: 80, color: 'red' }] },
  custom: { lineWidth: 1, fillOpacity: 10, stacking: { mode: 'none', group: 'A' } },
};
const idle = 'node_cpu_seconds_total{instance="node1:9100", mode="idle"}';

describe('applyFieldConfig', () => {
  it('defaults go to every value field; time fields get no unit, decimals, min or max', () => {
    const [f] = applyFieldConfig(cpu(), { defaults });
    expect(f.fields[1].config).toEqual(defaults);
    expect(f.fields[0].config).toEqual({ color: defaults.color, thresholds: defaults.thresholds, custom: defaults.custom });
  });

  it('config from the data source wins over defaults (deep for custom)', () => {
    const frames = cpu();
    frames[0].fields[1].config = { unit: 'short', custom: { lineWidth: 3 } };
    const [f] = applyFieldConfig(frames, { defaults });
    expect(f.fields[1].config.unit).toBe('short');
    expect(f.fields[1].config.custom).toEqual({ lineWidth: 3, fillOpacity: 10, stacking: { mode: 'none', group: 'A' } });
  });

  const cases: [string, FieldOverride['matcher'], boolean[]][] = [
    ['byName (display name)', { id: 'byName', options: idle }, [true, false]],
    ['byRegexp', { id: 'byRegexp', options: '/mode="user"/' }, [false, true]],
    ['byNames', { id: 'byNames', options: { mode: 'include', names: [idle] } }, [true, false]],
    ['byType', { id: 'byType', options: 'number' }, [true, true]],
    ['byFrameRefID', { id: 'byFrameRefID', options: 'B' }, [false, false]],
    ['byValue', { id: 'byValue', options: { reducer: 'max', op: 'gt', value: 50 } }, [true, false]],
  ];
  it.each(cases)('matcher %s', (_n, matcher, expected) => {
    const out = applyFieldConfig(cpu(), { overrides: [{ matcher, properties: [{ id: 'custom.lineWidth', value: 5 }] }] });
    expect(out.map((f) => f.fields[1].config.custom?.lineWidth === 5)).toEqual(expected);
  });

  it('properties apply in override order; later overrides win; null removes', () => {
    const overrides: FieldOverride[] = [
      { matcher: { id: 'byType', options: 'number' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'blue' } }, { id: 'custom.stacking.mode', value: 'normal' }] },
      { matcher: { id: 'byRegexp', options: '.*user.*' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }, { id: 'displayName', value: 'user time' }, { id: 'unit', value: null }, { id: 'decimals', value: '2' }, { id: 'custom.transform', value: 'negative-Y' }] },
    ];
    const out = applyFieldConfig(cpu(), { defaults, overrides });
    const user = out[1].fields[1];
    expect(user.config.color).toEqual({ mode: 'fixed', fixedColor: 'red' });
    expect(user.config.unit).toBeUndefined();
    expect(user.config.decimals).toBe(2);
    expect(user.config.custom).toMatchObject({ stacking: { mode: 'normal', group: 'A' }, transform: 'negative-Y' });
    expect(displayName(user, out[1])).toBe('user time');
    expect(out[0].fields[1].config.color).toEqual({ mode: 'fixed', fixedColor: 'blue' });
  });

  it('thresholds and mappings are replaced, not merged; inputs are not mutated', () => {
    const frames = [table({ status: ['number', [1]] })];
    const before = JSON.stringify({ frames, defaults });
    const mappings = [{ type: 'value' as const, options: { '1': { text: 'up' } } }];
    const out = applyFieldConfig(frames, {
      defaults: { ...defaults, mappings: [{ type: 'value', options: { '0': { text: 'down' } } }] },
      overrides: [{ matcher: { id: 'byName', options: 'status' }, properties: [{ id: 'mappings', value: mappings }, { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'blue' }] } }] }],
    });
    expect(out[0].fields[0].config.mappings).toEqual(mappings);
    expect(out[0].fields[0].config.thresholds?.steps).toHaveLength(1);
    expect(JSON.stringify({ frames, defaults })).toBe(before);
  });
});
