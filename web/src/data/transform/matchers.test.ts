import { describe, expect, it } from 'vitest';
import { compareValues, fieldMatcher, refIdMatcher, stringToRegex, valueMatcher } from './matchers';
import { cpu, table } from './testFrames';

describe('matchers', () => {
  const frames = cpu();
  const [idle, user] = frames.map((f) => f.fields[1]);
  const m = (id: string, opt: unknown, field = idle, frame = frames[0]) => fieldMatcher(id, opt)!(field, frame, frames);

  it('byName matches the display name or the name', () => {
    expect(m('byName', 'node_cpu_seconds_total{instance="node1:9100", mode="idle"}')).toBe(true);
    expect(m('byName', 'node_cpu_seconds_total')).toBe(true);
    expect(m('byName', 'mode')).toBe(false);
  });

  it('byRegexp: plain text is anchored, /re/ is not', () => {
    expect(m('byRegexp', '/mode="idle"/')).toBe(true);
    expect(m('byRegexp', 'mode="idle"')).toBe(false);
    expect(m('byRegexp', '.*idle.*')).toBe(true);
    expect(m('byRegexp', '/(/')).toBe(false);
  });

  it('byNames include/exclude, byType, byFrameRefID', () => {
    expect(m('byNames', { mode: 'exclude', names: ['node_cpu_seconds_total'] })).toBe(false);
    expect(m('byType', 'number')).toBe(true);
    expect(m('byFrameRefID', 'A')).toBe(true);
    expect(fieldMatcher('nope', null)).toBeUndefined();
  });

  it('byValue reduces then compares', () => {
    expect(m('byValue', { reducer: 'max', op: 'gte', value: 90 })).toBe(true);
    expect(m('byValue', { reducer: 'max', op: 'gt', value: 10 }, user)).toBe(false);
    expect(m('byValue', { reducer: 'allIsNull' })).toBe(false);
  });

  it('compareValues treats nulls like Grafana', () => {
    expect(compareValues(null, 'gte', null)).toBe(true);
    expect(compareValues(null, 'lt', 1)).toBe(false);
    expect(compareValues(2, 'neq', 1)).toBe(true);
  });

  it('refId patterns', () => {
    const f = table({ a: ['number', [1]] }, 'B');
    expect(refIdMatcher('B')(f)).toBe(true);
    expect(refIdMatcher('A|B')(f)).toBe(true);
    expect(refIdMatcher('/^[AC]$/')(f)).toBe(false);
  });

  it('value matchers', () => {
    const f = table({ v: ['number', [null, 5, 10, 20]] }).fields[0];
    const rows = (id: string, o: Record<string, unknown>) => [0, 1, 2, 3].filter((r) => valueMatcher(id, o)!(r, f));
    expect(rows('greater', { value: 5 })).toEqual([2, 3]);
    expect(rows('lowerOrEqual', { value: 10 })).toEqual([0, 1, 2]); // null compares as 0, as in Grafana
    expect(rows('range', { from: 5, to: 20 })).toEqual([2]);
    expect(rows('equal', { value: '10' })).toEqual([2]);
    expect(rows('isNull', {})).toEqual([0]);
    expect(rows('regex', { value: '^1' })).toEqual([2]);
    expect(stringToRegex('/a/i').test('A')).toBe(true);
  });
});
