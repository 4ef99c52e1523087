import { describe, expect, it } from 'vitest';
import { readStatOptions, resolveTextMode, statLayout } from './options';

describe('stat options', () => {
  it("fills Grafana's defaults", () => {
    expect(readStatOptions({})).toMatchObject({
      colorMode: 'value', graphMode: 'area', justifyMode: 'auto', textMode: 'auto', orientation: 'auto', wideLayout: true,
    });
  });

  it('keeps valid options and drops unknown values', () => {
    const o = readStatOptions({ colorMode: 'background_solid', graphMode: 'none', textMode: 'bogus', text: { valueSize: 30 } });
    expect(o.colorMode).toBe('background_solid');
    expect(o.graphMode).toBe('none');
    expect(o.textMode).toBe('auto');
    expect(o.text.valueSize).toBe(30);
  });

  it('shows the name in auto text mode only for several values', () => {
    expect(resolveTextMode('auto', 1, 'cpu')).toBe('value');
    expect(resolveTextMode('auto', 3, 'cpu')).toBe('value_and_name');
    expect(resolveTextMode('auto', 3, '')).toBe('value');
    expect(resolveTextMode('name', 1, 'cpu')).toBe('name');
  });
});

describe('stat layout', () => {
  const o = { wideLayout: true, text: {} };

  it('stacks name above value and fits the value to the width', () => {
    const l = statLayout(200, 200, 'value_and_name', false, 'cpu', '100%', o);
    expect(l.wide).toBe(false);
    expect(l.titleSize).toBeGreaterThan(8);
    expect(l.valueSize * 0.6 * 4).toBeLessThanOrEqual(200);
  });

  it('puts name and value side by side in a wide box', () => {
    expect(statLayout(600, 60, 'value_and_name', false, 'cpu', '1', o).wide).toBe(true);
    expect(statLayout(600, 60, 'value_and_name', false, 'cpu', '1', { ...o, wideLayout: false }).wide).toBe(false);
  });

  it('hides the graph when the box is too small', () => {
    expect(statLayout(300, 200, 'value', true, '', '1', o).graphHeight).toBe(90);
    expect(statLayout(300, 40, 'value', true, '', '1', o).graphHeight).toBe(0);
  });

  it('shows nothing in none mode and honours manual text sizes', () => {
    const l = statLayout(300, 200, 'none', false, 'a', '1', o);
    expect([l.showTitle, l.showValue]).toEqual([false, false]);
    expect(statLayout(300, 200, 'value', false, 'a', '1', { wideLayout: true, text: { valueSize: 12 } }).valueSize).toBe(12);
  });
});
