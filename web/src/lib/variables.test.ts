// Table tests of custom/interval options, the regex filter, sort modes, selection keeping and
// Prometheus-style variable queries.

import { describe, expect, it } from 'vitest';
import type { Variable, VariableOption } from '../api/dashboard';
import {
  applyRegex, autoInterval, currentValues, customOptions, intervalOptions, parseLabelValuesQuery,
  sortValues, VariableSort,
} from './variables';

const opt = (text: string, value = text): VariableOption => ({ text, value, selected: false });
const texts = (options: VariableOption[]) => options.map((o) => o.text);

describe('customOptions', () => {
  it.each<[string, [string, string][]]>([
    ['a,b,c', [['a', 'a'], ['b', 'b'], ['c', 'c']]],
    [' a , b ', [['a', 'a'], ['b', 'b']]],
    ['a\\,b,c', [['a,b', 'a,b'], ['c', 'c']]],
    ['Prod : prod-1, Dev : dev-1', [['Prod', 'prod-1'], ['Dev', 'dev-1']]],
    ['http://x:9090,https://y', [['http://x:9090', 'http://x:9090'], ['https://y', 'https://y']]],
    ['a,,b', [['a', 'a'], ['b', 'b']]],
    ['', []],
  ])('%j', (query, expected) => {
    expect(customOptions(query).map((o) => [o.text, o.value])).toEqual(expected);
  });
});

describe('intervalOptions', () => {
  it('splits and trims, with auto first when asked', () => {
    expect(texts(intervalOptions('1m, 10m,1h'))).toEqual(['1m', '10m', '1h']);
    expect(intervalOptions('1m', true)[0]).toEqual({ text: 'auto', value: '$__auto', selected: false });
  });
  it('computes the auto step from the range', () => {
    expect(autoInterval(3600000)).toBe('2m');
    expect(autoInterval(3600000, 30, '5m')).toBe('5m');
    expect(autoInterval(86400000, 100)).toBe('15m');
  });
});

describe('applyRegex', () => {
  const metrics = ['up{instance="a:9100"}', 'up{instance="b:9100"}', 'up{instance="a:9100",x="1"}', 'down'];

  it.each<[string | undefined, [string, string][]]>([
    [undefined, metrics.map((m) => [m, m])],
    ['/instance="([^"]+)"/', [['a:9100', 'a:9100'], ['b:9100', 'b:9100']]],
    ['/(?<text>[ab]):(?<value>\\d+)/', [['a', '9100']]],
    ['/instance="(?<value>[^"]+)"/', [['a:9100', 'a:9100'], ['b:9100', 'b:9100']]],
    ['/^up/', [[metrics[0], metrics[0]], [metrics[1], metrics[1]], [metrics[2], metrics[2]]]],
    ['down', [['down', 'down']]],
    ['dow', []],
    ['/(\\w)=/g', [['e', 'e'], ['x', 'x']]],
  ])('%s', (regex, expected) => {
    expect(applyRegex(metrics, regex).map((o) => [o.text, o.value])).toEqual(expected);
  });

  it('reads text/value objects and numbers', () => {
    expect(applyRegex([{ text: 'One', value: 1 }, 2, { value: 'v' }])).toEqual([opt('One', '1'), opt('2'), opt('v')]);
  });

  it('throws on an invalid regex', () => {
    expect(() => applyRegex(['a'], '/([/')).toThrow(/not a valid regular expression/);
  });
});

describe('sortValues', () => {
  const values = ['b10', 'B2', 'a1', 'c', 'b2'].map((t) => opt(t));
  it.each<[number, string[]]>([
    [VariableSort.Disabled, ['b10', 'B2', 'a1', 'c', 'b2']],
    [VariableSort.AlphabeticalAsc, ['B2', 'a1', 'b10', 'b2', 'c']],
    [VariableSort.AlphabeticalDesc, ['c', 'b2', 'b10', 'a1', 'B2']],
    [VariableSort.NumericalAsc, ['c', 'a1', 'B2', 'b2', 'b10']],
    [VariableSort.NumericalDesc, ['b10', 'b2', 'B2', 'a1', 'c']],
    [VariableSort.AlphabeticalCaseInsensitiveAsc, ['a1', 'b10', 'B2', 'b2', 'c']],
    [VariableSort.AlphabeticalCaseInsensitiveDesc, ['c', 'b2', 'B2', 'b10', 'a1']],
    [VariableSort.NaturalAsc, ['a1', 'B2', 'b2', 'b10', 'c']],
    [VariableSort.NaturalDesc, ['c', 'b10', 'b2', 'B2', 'a1']],
  ])('mode %s', (mode, expected) => {
    expect(texts(sortValues(values, mode))).toEqual(expected);
  });

  it('does not change its input', () => {
    sortValues(values, 1);
    expect(values[0].text).toBe('b10');
  });
});

describe('currentValues', () => {
  const options = [opt('A', 'a'), opt('B', 'b'), opt('C', 'c')];
  const variable = (v: Partial<Variable>): Variable => ({ name: 'x', type: 'custom', ...v });

  it.each<[string, Partial<Variable>, string | string[]]>([
    ['keeps a single value still offered', { current: { text: 'B', value: 'b' } }, 'b'],
    ['finds a single value by text', { current: { text: 'C', value: 'old' } }, 'c'],
    ['falls back to the first option', { current: { text: 'Z', value: 'z' } }, 'a'],
    ['picks the first option when nothing is selected', {}, 'a'],
    ['falls back to All when included', { includeAll: true, current: { text: 'Z', value: 'z' } }, '$__all'],
    ['keeps All', { includeAll: true, current: { text: 'All', value: '$__all' } }, '$__all'],
    ['keeps the multi values still offered', { multi: true, current: { text: ['A', 'Z'], value: ['a', 'z'] } }, ['a']],
    ['falls back to the first option for multi', { multi: true, current: { text: ['Z'], value: ['z'] } }, ['a']],
    ['keeps a multi All', { multi: true, includeAll: true, current: { text: ['All'], value: ['$__all'] } }, ['$__all']],
    ['turns a single string into a multi list', { multi: true, current: { text: 'B', value: 'b' } }, ['b']],
  ])('%s', (_name, v, expected) => {
    expect(currentValues(variable(v), options).current.value).toEqual(expected);
  });

  it('marks the selected options and puts All first', () => {
    const result = currentValues(variable({ includeAll: true, multi: true, current: { text: ['A', 'C'], value: ['a', 'c'] } }), options);
    expect(result.current).toEqual({ text: ['A', 'C'], value: ['a', 'c'], selected: true });
    expect(result.options.map((o) => [o.value, o.selected])).toEqual([['$__all', false], ['a', true], ['b', false], ['c', true]]);
  });

  it('is empty without options', () => {
    expect(currentValues(variable({ current: { text: 'a', value: 'a' } }), []).current).toEqual({ text: '', value: '', selected: false });
  });
});

describe('parseLabelValuesQuery', () => {
  it.each<[string, unknown]>([
    ['label_names()', { kind: 'label_names' }],
    ['label_names(up{job="x"})', { kind: 'label_names', match: 'up{job="x"}' }],
    ['label_values(job)', { kind: 'label_values', label: 'job' }],
    ['label_values(up, instance)', { kind: 'label_values', label: 'instance', match: 'up', metric: 'up' }],
    [
      'label_values(node_cpu{job=~"a,b", mode!="idle"}, cpu)',
      { kind: 'label_values', label: 'cpu', match: 'node_cpu{job=~"a,b", mode!="idle"}', metric: 'node_cpu' },
    ],
    ['label_values({job="$job"}, instance)', { kind: 'label_values', label: 'instance', match: '{job="$job"}' }],
    ['  label_values( $label )  ', { kind: 'label_values', label: '$label' }],
    ['metrics(^node_.*)', { kind: 'metrics', regex: '^node_.*' }],
    ['query_result(topk(5, up))', { kind: 'query_result', expr: 'topk(5, up)' }],
    ['up{job="x"}', { kind: 'series', match: 'up{job="x"}' }],
    ['label_values(up, 1bad)', { kind: 'series', match: 'label_values(up, 1bad)' }],
    ['', null],
  ])('%s', (query, expected) => {
    expect(parseLabelValuesQuery(query)).toEqual(expected);
  });
});
