// Table tests of variable syntaxes, every format, the All value and the built-in variables.

import { describe, expect, it } from 'vitest';
import { builtinVariables, interpolate, variableNames, type Scope } from './interpolate';

const vars: Scope = {
  host: 'web-1',
  hosts: ['web-1', 'web.2'],
  one: ['solo'],
  quote: ["it's", 'say "hi"'],
  path: 'a/b c',
  env: { value: 'prod', text: 'Production' },
  all: { value: '$__all', options: ['a', 'b', 'c'] },
  allCustom: { value: ['$__all'], allValue: '.*', options: ['a', 'b'] },
  allRef: { value: '$__all', allValue: '$host|other', options: [] },
  multiText: { value: ['1', '2'], text: ['One', 'Two'] },
};

describe('interpolate: syntaxes', () => {
  it.each<[string, string]>([
    ['$host', 'web-1'],
    ['${host}', 'web-1'],
    ['[[host]]', 'web-1'],
    ['up{instance="$host"}', 'up{instance="web-1"}'],
    ['$host-$host', 'web-1-web-1'],
    ['$hostname', '$hostname'],
    ['${host}name', 'web-1name'],
    ['$unknown and ${unknown:csv}', '$unknown and ${unknown:csv}'],
    ['[[hosts:csv]]', 'web-1,web.2'],
    ['${host.field}', '${host.field}'],
    ['no variables', 'no variables'],
    ['$$host', '$web-1'],
  ])('%s -> %s', (text, out) => {
    expect(interpolate(text, vars)).toBe(out);
  });
});

describe('interpolate: formats', () => {
  it.each<[string, string]>([
    ['${hosts}', '{web-1,web.2}'],
    ['${one}', 'solo'],
    ['${hosts:csv}', 'web-1,web.2'],
    ['${hosts:pipe}', 'web-1|web.2'],
    ['${hosts:regex}', '(web-1|web\\.2)'],
    ['${host:regex}', 'web-1'],
    ['${path:regex}', 'a\\/b c'],
    ['${hosts:glob}', '{web-1,web.2}'],
    ['${host:glob}', 'web-1'],
    ['${hosts:json}', '["web-1","web.2"]'],
    ['${host:json}', '"web-1"'],
    ['${hosts:lucene}', '("web\\-1" OR "web.2")'],
    ['${path:lucene}', 'a\\/b\\ c'],
    ['${hosts:distributed}', 'web-1,hosts=web.2'],
    ['${quote:singlequote}', "'it\\'s','say \"hi\"'"],
    ['${quote:doublequote}', '"it\'s","say \\"hi\\""'],
    ['${quote:sqlstring}', "'it''s','say \"hi\"'"],
    ['${hosts:raw}', 'web-1,web.2'],
    ['${env:text}', 'Production'],
    ['${env}', 'prod'],
    ['${multiText:text}', 'One + Two'],
    ['${hosts:queryparam}', 'var-hosts=web-1&var-hosts=web.2'],
    ['${path:queryparam}', 'var-path=a%2Fb%20c'],
    ['${path:percentencode}', 'a%2Fb%20c'],
    ['${hosts:percentencode}', '%7Bweb-1%2Cweb.2%7D'],
    ['${host:nosuchformat}', 'web-1'],
    ['${hosts:constructor}', 'web-1,web.2'],
  ])('%s -> %s', (text, out) => {
    expect(interpolate(text, vars)).toBe(out);
  });

  it('uses the default format for references without one', () => {
    expect(interpolate('$hosts', vars, 'regex')).toBe('(web-1|web\\.2)');
    expect(interpolate('${hosts:csv}', vars, 'regex')).toBe('web-1,web.2');
  });
});

describe('interpolate: $__all', () => {
  it.each<[string, string]>([
    ['$all', '{a,b,c}'],
    ['${all:regex}', '(a|b|c)'],
    ['${all:csv}', 'a,b,c'],
    ['${all:text}', 'All'],
    ['${all:queryparam}', 'var-all=$__all'],
    ['$allCustom', '.*'],
    ['${allCustom:regex}', '.*'],
    ['${allCustom:text}', 'All'],
    ['$allRef', 'web-1|other'],
  ])('%s -> %s', (text, out) => {
    expect(interpolate(text, vars)).toBe(out);
  });
});

describe('builtinVariables', () => {
  const from = Date.UTC(2024, 0, 2, 10);
  const to = from + 3600000;
  const scope = builtinVariables({ from, to, intervalMs: 15000, dashboard: 'Overview' });

  it.each<[string, string]>([
    ['$__interval', '15s'],
    ['$__interval_ms', '15000'],
    ['$__range', '3600s'],
    ['$__range_s', '3600'],
    ['$__range_ms', '3600000'],
    ['$__rate_interval', '60s'],
    ['$__from', String(from)],
    ['${__to}', String(to)],
    ['${__from:date}', '2024-01-02T10:00:00.000Z'],
    ['${__from:date:iso}', '2024-01-02T10:00:00.000Z'],
    ['${__from:date:seconds}', String(from / 1000)],
    ['${__from:date:YYYY-MM-DD HH:mm}', '2024-01-02 10:00'],
    ['$__dashboard', 'Overview'],
    ['rate(x[$__rate_interval])', 'rate(x[60s])'],
  ])('%s -> %s', (text, out) => {
    expect(interpolate(text, scope, undefined, { timeZone: 'utc' })).toBe(out);
  });

  it('grows the rate interval with the query interval', () => {
    expect(builtinVariables({ from, to, intervalMs: 120000 }).__rate_interval).toBe('135s');
    expect(builtinVariables({ from, to, intervalMs: 15000, scrapeIntervalMs: 30000 }).__rate_interval).toBe('120s');
    expect(builtinVariables({ from, to }).__interval).toBeUndefined();
  });
});

describe('variableNames', () => {
  it.each<[string, string[]]>([
    ['up{job="$job", instance=~"${instance:regex}"}', ['job', 'instance']],
    ['[[a]] $b ${a} [[c:csv]]', ['a', 'b', 'c']],
    ['rate(x[$__interval])', ['__interval']],
    ['plain', []],
  ])('%s -> %j', (text, names) => {
    expect(variableNames(text)).toEqual(names);
  });
});
