import { describe, expect, it } from 'vitest';
import { field, frame } from '../common/testFrames';
import { resolveColor } from '../common/lib';
import { tableColumns } from './model';
import { cellView } from './cells';

const thresholds = { mode: 'absolute' as const, steps: [{ value: null, color: 'green' }, { value: 10, color: 'red' }] };

function col(type: string, extra: Record<string, unknown> = {}) {
  const fr = frame([field('v', 'number', [0, 20], { thresholds, unit: 'ms', custom: { cellOptions: { type, ...extra } } })]);
  return tableColumns(fr)[0];
}

describe('table cells', () => {
  it('formats with the unit in auto cells, without colors', () => {
    expect(cellView(col('auto'), 20, 'utc')).toEqual({ text: '20 ms' });
  });

  it('colors the text by threshold in color-text cells', () => {
    expect(cellView(col('color-text'), 20, 'utc').color).toBe(resolveColor('red'));
    expect(cellView(col('color-text'), 1, 'utc').color).toBe(resolveColor('green'));
  });

  it('colors the background, solid or gradient, with readable text', () => {
    const solid = cellView(col('color-background', { mode: 'basic' }), 20, 'utc');
    expect(solid.background).toBe(resolveColor('red'));
    expect(solid.color).toMatch(/^#/);
    expect(cellView(col('color-background'), 20, 'utc').background).toContain('linear-gradient');
  });

  it('leaves empty cells uncolored', () => {
    expect(cellView(col('color-background'), null, 'utc').background).toBeUndefined();
  });

  it('gives gauge cells their position in min..max', () => {
    const g = cellView(col('gauge'), 10, 'utc').gauge!;
    expect(g.percent).toBe(0.5);
    expect(g.color).toBe(resolveColor('red'));
  });

  it('shows JSON in json-view cells', () => {
    const c = tableColumns(frame([field('o', 'other', [{ a: [1] }], { custom: { cellOptions: { type: 'json-view' } } })]))[0];
    expect(cellView(c, { a: [1] }, 'utc').text).toBe('{"a":[1]}');
  });

  it('formats time columns', () => {
    const c = tableColumns(frame([field('Time', 'time', [Date.UTC(2024, 4, 6, 7, 8, 9)])]))[0];
    expect(cellView(c, Date.UTC(2024, 4, 6, 7, 8, 9), 'utc').text).toContain('07:08:09');
  });

  it('applies value mappings in cells', () => {
    const c = tableColumns(frame([field('s', 'number', [1], { mappings: [{ type: 'value', options: { '1': { text: 'on', color: 'blue' } } }], custom: { cellOptions: { type: 'color-text' } } })]))[0];
    expect(cellView(c, 1, 'utc')).toEqual({ text: 'on', color: resolveColor('blue') });
  });
});
