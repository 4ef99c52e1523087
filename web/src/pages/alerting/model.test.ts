// The alerting page's logic: filters, matcher prefill, the silence form's validation and the POST
// body it produces (durations through lib/time), formatting, and history timelines. Fixed UTC.

import { describe, expect, it } from 'vitest';
import type { AlertingRule, AmAlert, HistoryItem, RecordingRule, RuleGroup, Silence } from '../../api/alerting';
import {
  alertState, filterAlerts, filterRuleFiles, formatEvaluationTime, formatMatcher, formatValue, groupSilences, historySegments, labelsText,
  matcherMatches, matchersFromLabels, matchesSearch, newSilenceForm, relative, ruleCounts, silenceFormFromAlert,
  silenceFormFromSilence, silenceMatchesLabels, validateSilence, type SilenceForm,
} from './model';

const UTC = 'utc';
const NOW = Date.UTC(2024, 4, 1, 10, 0, 0);

function alertingRule(p: Partial<AlertingRule>): AlertingRule {
  return {
    type: 'alerting', name: 'R', query: 'q', labels: {}, health: 'ok', lastError: '', evaluationTime: 0, lastEvaluation: '',
    ruleKey: p.name ?? 'R', duration: 0, keepFiringFor: 0, annotations: {}, alerts: [], state: 'inactive', source: null,
    condition: null, clearCondition: null, noData: null, ...p,
  };
}
const recording: RecordingRule = { type: 'recording', name: 'job:up', query: 'sum(up)', labels: {}, health: 'ok', lastError: '', evaluationTime: 0, lastEvaluation: '', ruleKey: 'rec' };

const groups: RuleGroup[] = [
  {
    name: 'plant', file: 'b.yml', interval: 15, evaluationTime: 0, lastEvaluation: '',
    rules: [
      alertingRule({
        name: 'TempHigh', state: 'firing', labels: { severity: 'critical' },
        alerts: [{ labels: { alertname: 'TempHigh', site: 'north' }, annotations: {}, state: 'firing', activeAt: '', value: '9', flapping: false, instance: 'i1' }],
      }),
      alertingRule({ name: 'PressureLow', state: 'pending', labels: { severity: 'warning' } }),
      alertingRule({ name: 'Broken', health: 'err', lastError: 'boom' }),
      recording,
    ],
  },
  { name: 'self', file: 'a.yml', interval: 60, evaluationTime: 0, lastEvaluation: '', rules: [alertingRule({ name: 'Quiet', annotations: { summary: 'all calm' } })] },
];

describe('rule filters', () => {
  it('groups by file (sorted) and keeps only groups with a matching rule', () => {
    const all = filterRuleFiles(groups, '', '');
    expect(all.map((f) => f.file)).toEqual(['a.yml', 'b.yml']);
    expect(filterRuleFiles(groups, 'temp', '').map((f) => [f.file, f.groups[0].rules.map((r) => r.name)])).toEqual([['b.yml', ['TempHigh']]]);
  });

  it.each<[string, string, string[]]>([
    ['', 'firing', ['TempHigh']],
    ['', 'pending', ['PressureLow']],
    ['', 'inactive', ['Quiet', 'Broken']],
    ['', 'error', ['Broken']],
    ['severity=critical', '', ['TempHigh']],
    ['severity="warning"', '', ['PressureLow']],
    ['site=north', '', ['TempHigh']],
    ['calm', '', ['Quiet']],
    ['SUM(UP)', '', ['job:up']],
    ['temp critical', '', ['TempHigh']],
    ['temp warning', '', []],
  ])('search %j, state %j', (search, state, names) => {
    const got = filterRuleFiles(groups, search, state as never).flatMap((f) => f.groups.flatMap((g) => g.rules.map((r) => r.name)));
    expect(got).toEqual(names);
  });

  it('counts states and errors', () => {
    expect(ruleCounts(groups)).toEqual({ firing: 1, pending: 1, inactive: 2, error: 1, total: 5 });
  });

  it('matchesSearch: every term somewhere, case-insensitive', () => {
    expect(matchesSearch('', [])).toBe(true);
    expect(matchesSearch('a b', ['xAx', 'yby'])).toBe(true);
    expect(matchesSearch('a c', ['xAx', 'yby'])).toBe(false);
    expect(matchesSearch("site='n'", [], [{ site: 'n' }])).toBe(true);
  });
});

function amAlert(labels: Record<string, string>, silencedBy: string[] = [], inhibitedBy: string[] = [], startsAt = '2024-05-01T09:00:00Z'): AmAlert {
  return {
    labels, annotations: { summary: `about ${labels.alertname}` }, startsAt, endsAt: '', updatedAt: '', fingerprint: JSON.stringify(labels), receivers: [],
    status: { state: silencedBy.length || inhibitedBy.length ? 'suppressed' : 'active', silencedBy, inhibitedBy }, generatorURL: '',
  };
}

describe('alerts', () => {
  const alerts = [amAlert({ alertname: 'B', site: 'x' }), amAlert({ alertname: 'A' }, ['s1']), amAlert({ alertname: 'C' }, [], ['fp'])];
  it('says silenced and inhibited', () => {
    expect(alerts.map(alertState)).toEqual(['firing', 'silenced', 'inhibited']);
  });
  it('filters by state and text, sorted by name', () => {
    expect(filterAlerts(alerts, '', '').map((a) => a.labels.alertname)).toEqual(['A', 'B', 'C']);
    expect(filterAlerts(alerts, '', 'silenced').map((a) => a.labels.alertname)).toEqual(['A']);
    expect(filterAlerts(alerts, 'site=x', '').map((a) => a.labels.alertname)).toEqual(['B']);
    expect(filterAlerts(alerts, 'about c', '').map((a) => a.labels.alertname)).toEqual(['C']);
  });
});

describe('matchers', () => {
  it('prefills one = matcher per label of an alert, alertname first', () => {
    expect(matchersFromLabels({ site: 'a', alertname: 'TempHigh', env: 'prod' })).toEqual([
      { name: 'alertname', op: '=', value: 'TempHigh' },
      { name: 'env', op: '=', value: 'prod' },
      { name: 'site', op: '=', value: 'a' },
    ]);
    const form = silenceFormFromAlert({ alertname: 'TempHigh', site: 'a' }, 'alice', NOW, UTC);
    expect(form).toMatchObject({ createdBy: 'alice', startsAt: 'now', duration: '2h', endMode: 'duration', endsAt: '2024-05-01 12:00', comment: '' });
    expect(form.matchers).toHaveLength(2);
  });

  it.each<[string, string, string, boolean | null]>([
    ['=', 'a', 'a', true],
    ['=', 'a', 'ab', false],
    ['!=', 'a', 'b', true],
    ['=~', 'a|b', 'b', true],
    ['=~', 'a', 'ab', false], // anchored
    ['!~', 'a.*', 'abc', false],
    ['!~', 'a.*', 'xa', true],
    ['=~', '(', 'x', null],
  ])('%s %j on %j', (op, value, label, expected) => {
    expect(matcherMatches({ name: 'x', op: op as never, value }, label)).toBe(expected);
  });

  it('prints matchers as amtool does and matches label sets', () => {
    const ms = [
      { name: 'alertname', value: 'A', isRegex: false, isEqual: true },
      { name: 'site', value: 'n.*', isRegex: true, isEqual: true },
      { name: 'env', value: 'dev', isRegex: false, isEqual: false },
    ];
    expect(ms.map(formatMatcher)).toEqual(['alertname="A"', 'site=~"n.*"', 'env!="dev"']);
    expect(silenceMatchesLabels(ms, { alertname: 'A', site: 'north' })).toBe(true);
    expect(silenceMatchesLabels(ms, { alertname: 'A', site: 'north', env: 'dev' })).toBe(false);
    expect(silenceMatchesLabels(ms, { alertname: 'A', site: 'south' })).toBe(false);
  });
});

describe('silence form', () => {
  const valid = (): SilenceForm => ({
    ...newSilenceForm('alice', NOW, UTC, [{ name: 'alertname', op: '=', value: 'TempHigh' }, { name: 'site', op: '=~', value: 'a|b' }]),
    comment: 'maintenance',
  });

  it('produces the POST body: matchers, ISO start and end, creator, comment', () => {
    const { errors, body } = validateSilence(valid(), NOW, UTC);
    expect(errors).toEqual({});
    expect(body).toEqual({
      matchers: [
        { name: 'alertname', value: 'TempHigh', isRegex: false, isEqual: true },
        { name: 'site', value: 'a|b', isRegex: true, isEqual: true },
      ],
      startsAt: '2024-05-01T10:00:00.000Z',
      endsAt: '2024-05-01T12:00:00.000Z',
      createdBy: 'alice',
      comment: 'maintenance',
    });
  });

  it.each<[string, number]>([
    ['30m', 30 * 60000],
    ['1h30m', 90 * 60000],
    ['1d12h', 36 * 3600000],
    ['1w', 7 * 86400000],
    ['90', 90000],
  ])('a duration of %s ends that much after the start', (duration, ms) => {
    const { body } = validateSilence({ ...valid(), duration }, NOW, UTC);
    expect(Date.parse(body!.endsAt) - NOW).toBe(ms);
  });

  it('uses an explicit start and end date in the page zone', () => {
    const { body } = validateSilence({ ...valid(), startsAt: '2024-05-01 11:00', endMode: 'end', endsAt: '2024-05-02 08:30' }, NOW, UTC);
    expect(body).toMatchObject({ startsAt: '2024-05-01T11:00:00.000Z', endsAt: '2024-05-02T08:30:00.000Z' });
    const paris = validateSilence({ ...valid(), endMode: 'end', endsAt: '2024-05-01 16:00' }, NOW, 'Europe/Paris');
    expect(paris.body?.endsAt).toBe('2024-05-01T14:00:00.000Z');
  });

  it('keeps the id when editing, and skips empty matcher rows', () => {
    const f = { ...valid(), id: 'abc' };
    f.matchers = [...f.matchers, { name: '', op: '=', value: '' }];
    const { body } = validateSilence(f, NOW, UTC);
    expect(body?.id).toBe('abc');
    expect(body?.matchers).toHaveLength(2);
  });

  it.each<[string, Partial<SilenceForm>, string]>([
    ['no matcher', { matchers: [{ name: '', op: '=', value: '' }] }, 'matchers'],
    ['a bad label name', { matchers: [{ name: '1site', op: '=', value: 'a' }] }, 'matchers.0'],
    ['a bad regex', { matchers: [{ name: 'site', op: '=~', value: '(' }] }, 'matchers.0'],
    ['only matchers of the empty string', { matchers: [{ name: 'site', op: '=~', value: '.*' }, { name: 'x', op: '=', value: '' }] }, 'matchers'],
    ['a bad duration', { duration: '2 hours' }, 'duration'],
    ['a zero duration', { duration: '0s' }, 'duration'],
    ['a bad start', { startsAt: 'tomorrow' }, 'startsAt'],
    ['a bad end', { endMode: 'end', endsAt: '2024-13-01' }, 'endsAt'],
    ['an end before the start', { startsAt: '2024-05-01 11:00', endMode: 'end', endsAt: '2024-05-01 10:30' }, 'endsAt'],
    ['an end in the past', { startsAt: '2024-04-01 00:00', duration: '1h' }, 'duration'],
    ['no creator', { createdBy: '  ' }, 'createdBy'],
    ['no comment', { comment: '' }, 'comment'],
  ])('refuses %s', (_name, patch, field) => {
    const { errors, body } = validateSilence({ ...valid(), ...patch }, NOW, UTC);
    expect(body).toBeNull();
    expect(Object.keys(errors)).toContain(field);
  });

  it('edits an active silence from now on, and recreates an expired one without its id', () => {
    const s: Silence = {
      id: 'x', status: { state: 'active' }, updatedAt: '', matchers: [{ name: 'a', value: 'b', isRegex: true, isEqual: false }],
      startsAt: '2024-05-01T09:00:00Z', endsAt: '2024-05-01T13:00:00Z', createdBy: 'bob', comment: 'c',
    };
    expect(silenceFormFromSilence(s, NOW, UTC)).toMatchObject({ id: 'x', startsAt: 'now', duration: '3h', endsAt: '2024-05-01 13:00', matchers: [{ name: 'a', op: '!~', value: 'b' }] });
    const expired = silenceFormFromSilence({ ...s, status: { state: 'expired' } }, NOW, UTC);
    expect(expired.id).toBeUndefined();
    expect(expired).toMatchObject({ startsAt: 'now', duration: '4h', endsAt: '2024-05-01 14:00' });
  });
});

describe('silences list', () => {
  const mk = (id: string, state: Silence['status']['state'], endsAt: string, comment = ''): Silence => ({
    id, status: { state }, updatedAt: '', matchers: [{ name: 'alertname', value: id, isRegex: false, isEqual: true }], startsAt: '2024-05-01T09:00:00Z', endsAt, createdBy: 'me', comment,
  });
  it('splits by state, sorted, and searches matchers and comments', () => {
    const all = [mk('a', 'active', '2024-05-01T12:00:00Z'), mk('b', 'active', '2024-05-01T11:00:00Z'), mk('c', 'expired', '2024-04-01T00:00:00Z'), mk('d', 'expired', '2024-04-02T00:00:00Z', 'disk swap')];
    const g = groupSilences(all);
    expect(g.active.map((s) => s.id)).toEqual(['b', 'a']);
    expect(g.expired.map((s) => s.id)).toEqual(['d', 'c']);
    expect(g.pending).toEqual([]);
    expect(groupSilences(all, 'swap').expired.map((s) => s.id)).toEqual(['d']);
    expect(groupSilences(all, 'alertname="a"').active.map((s) => s.id)).toEqual(['a']);
  });
});

describe('formatting', () => {
  it.each<[string | number | null, string]>([
    ['9.5e+00', '9.5'],
    ['1e+01', '10'],
    ['0.1234567', '0.123457'],
    ['NaN', 'NaN'],
    ['+Inf', '+Inf'],
    ['', '-'],
    [null, '-'],
    [3, '3'],
  ])('value %j -> %s', (v, text) => {
    expect(formatValue(v)).toBe(text);
  });
  it('prints evaluation times', () => {
    expect(formatEvaluationTime(0.000254)).toBe('0.25 ms');
    expect(formatEvaluationTime(0.0123)).toBe('12 ms');
    expect(formatEvaluationTime(1.5)).toBe('1.5 s');
    expect(formatEvaluationTime(NaN)).toBe('-');
  });
  it('prints labels as Prometheus', () => {
    expect(labelsText({ b: '2', a: 'x"y' })).toBe('{a="x\\"y", b="2"}');
  });
  it('says relative times', () => {
    expect(relative(NOW - 3 * 60000, NOW)).toBe('3 minutes ago');
    expect(relative(NOW + 2 * 3600000, NOW)).toBe('in 2 hours');
    expect(relative(NaN, NOW)).toBe('-');
  });
});

describe('history timeline', () => {
  const h = (at: number, from: HistoryItem['from'], to: HistoryItem['to'], value: number | null = null): HistoryItem => ({
    ruleKey: 'k', alertname: 'A', instance: 'i', labels: {}, from, to, value, at,
  });
  it('turns transitions (newest first) into segments clipped to the window', () => {
    const items = [h(NOW - 10, 'firing', 'inactive'), h(NOW - 40, 'pending', 'firing', 9), h(NOW - 60, 'inactive', 'pending', 8.5)];
    expect(historySegments(items, NOW - 100, NOW)).toEqual([
      { state: 'inactive', start: NOW - 100, end: NOW - 60, value: null },
      { state: 'pending', start: NOW - 60, end: NOW - 40, value: 8.5 },
      { state: 'firing', start: NOW - 40, end: NOW - 10, value: 9 },
      { state: 'inactive', start: NOW - 10, end: NOW, value: null },
    ]);
  });
  it('clips a window starting after the first transitions and merges equal neighbours', () => {
    const items = [h(NOW - 200, 'inactive', 'firing'), h(NOW - 50, 'firing', 'firing')];
    expect(historySegments(items, NOW - 100, NOW)).toEqual([{ state: 'firing', start: NOW - 100, end: NOW, value: null }]);
    expect(historySegments([], NOW - 100, NOW)).toEqual([]);
  });
});
