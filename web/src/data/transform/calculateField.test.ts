import { describe, expect, it } from 'vitest';
import { calculateField } from './calculateField';
import { col, cpu, names, promSeries, table } from './testFrames';

const idle = 'node_cpu_seconds_total{instance="node1:9100", mode="idle"}';
const user = 'node_cpu_seconds_total{instance="node1:9100", mode="user"}';

describe('calculateField', () => {
  it('reduceRow (default: Total of number fields) joins series on time first', () => {
    const out = calculateField(cpu(), {});
    expect(out).toHaveLength(1);
    expect(names(out[0]).at(-1)).toBe('Total');
    expect(col(out[0], 'Total')).toEqual([95, 95, 80]);
  });

  it('reduceRow with include, reducer and alias; replaceFields keeps time', () => {
    const out = calculateField(cpu(), { mode: 'reduceRow', reduce: { reducer: 'max', include: [idle, user] }, alias: 'peak', replaceFields: true });
    expect(names(out[0])).toEqual(['Time', 'peak']);
    expect(col(out[0], 'peak')).toEqual([90, 85, 80]);
  });

  it.each([
    ['+', 95],
    ['-', 85],
    ['*', 450],
    ['/', 18],
    ['%', 0],
    ['^', 90 ** 5],
  ])('binary %s between two fields', (operator, first) => {
    const out = calculateField(cpu(), { mode: 'binary', binary: { left: idle, operator, right: user } });
    expect(names(out[0]).at(-1)).toBe(`${idle} ${operator} ${user}`);
    expect(col(out[0], `${idle} ${operator} ${user}`)?.[0]).toBe(first);
    expect(col(out[0], `${idle} ${operator} ${user}`)?.[2]).toBeNull(); // null side -> null
  });

  it('binary with a number (new option shape) does not join frames', () => {
    const out = calculateField(cpu(), {
      mode: 'binary',
      binary: { left: { matcher: { id: 'byName', options: idle } }, operator: '/', right: { fixed: '100' } },
      alias: 'idle ratio',
    });
    expect(out).toHaveLength(2);
    expect(col(out[0], 'idle ratio')).toEqual([0.9, 0.85, 0.8]);
    expect(names(out[1])).not.toContain('idle ratio'); // the other series has no such field
  });

  it('binary over every field of a type', () => {
    const f = table({ Time: ['time', [1]], a: ['number', [2]], b: ['number', [4]] });
    const out = calculateField([f], { mode: 'binary', binary: { left: { matcher: { id: 'byType', options: 'number' } }, operator: '*', right: { fixed: '10' } } });
    expect(names(out[0])).toEqual(['Time', 'a', 'a * 10', 'b', 'b * 10']);
  });

  it('unary, index and cumulative modes', () => {
    const s = promSeries('temp', {}, [1, 2, 3], [-1.5, 2.5, null]);
    expect(col(calculateField([s], { mode: 'unary', unary: { operator: 'abs', fieldName: 'temp' } })[0], 'abs(temp)')).toEqual([1.5, 2.5, null]);
    expect(col(calculateField([s], { mode: 'index' })[0], 'Row')).toEqual([0, 1, 2]);
    const pct = calculateField([s], { mode: 'index', index: { asPercentile: true } })[0];
    expect(pct.fields.at(-1)?.config.unit).toBe('percentunit');
    expect(col(calculateField([s], { mode: 'cumulativeFunctions', cumulative: { field: 'temp', reducer: 'sum' } })[0], 'cumulative sum(temp)')).toEqual([-1.5, 1, 1]);
  });

  it('a missing operand leaves the frame unchanged (or drops it when replacing)', () => {
    const frames = [promSeries('a', {}, [1], [1])];
    expect(calculateField(frames, { mode: 'binary', binary: { left: 'nope', operator: '+', right: 'a' } })).toEqual(frames);
    expect(calculateField(frames, { mode: 'binary', binary: { left: 'nope', operator: '+', right: 'a' }, replaceFields: true })).toEqual([]);
  });
});
