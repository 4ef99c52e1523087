// The alerting client against a mocked fetch: each endpoint's URL, method and body as the
// contract says, answers normalized (missing maps and lists, unknown states, string numbers),
// and errors as ApiError with the server's message (Alertmanager's bare-string bodies too).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { alertingApi, parseAnnotations, parseHistory, parseRules } from './alerting';
import { ApiError } from './client';
import { mockFetch } from '../pages/alerting/testFetch';

const RULES_BODY = {
  status: 'success',
  data: {
    groups: [
      {
        name: 'plant',
        file: 'alert-rules/plant.yml',
        interval: 15,
        evaluationTime: 0.0012,
        lastEvaluation: '2024-05-01T10:00:00Z',
        rules: [
          {
            type: 'alerting',
            name: 'TempHigh',
            query: 'e2e_temp{site="a"}',
            duration: 0,
            keepFiringFor: 0,
            labels: { severity: 'critical' },
            annotations: { summary: 'Temp is {{ $value }}', __dashboardUid__: 'e2e-alerting', __panelId__: '1' },
            alerts: [
              {
                labels: { alertname: 'TempHigh', site: 'a', severity: 'critical' },
                annotations: { summary: 'Temp is 9.5' },
                state: 'firing',
                activeAt: '2024-05-01T09:58:00Z',
                value: '9.5e+00',
                flapping: false,
                instance: 'a1b2',
              },
            ],
            health: 'ok',
            lastError: '',
            evaluationTime: 0.0004,
            lastEvaluation: '2024-05-01T10:00:00Z',
            state: 'firing',
            source: 'pulsegrid',
            condition: '> 8',
            clearCondition: null,
            noData: 'ok',
            ruleKey: 'plant/TempHigh',
          },
          { type: 'recording', name: 'job:up:sum', query: 'sum(up)', labels: {}, health: 'err', lastError: 'no such series', evaluationTime: 0, lastEvaluation: '', ruleKey: 'plant/rec' },
        ],
      },
    ],
  },
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('parsing', () => {
  it('reads rule groups in the Prometheus shape, alerting and recording rules', () => {
    const [g] = parseRules(RULES_BODY);
    expect(g).toMatchObject({ name: 'plant', file: 'alert-rules/plant.yml', interval: 15 });
    const [alerting, recording] = g.rules;
    expect(alerting.type).toBe('alerting');
    if (alerting.type !== 'alerting') throw new Error('unreachable');
    expect(alerting).toMatchObject({ state: 'firing', source: 'pulsegrid', condition: '> 8', clearCondition: null, noData: 'ok', ruleKey: 'plant/TempHigh' });
    expect(alerting.alerts[0]).toMatchObject({ state: 'firing', value: '9.5e+00', flapping: false, instance: 'a1b2' });
    expect(recording).toMatchObject({ type: 'recording', health: 'err', lastError: 'no such series' });
  });

  it('fills what the server omits and tolerates odd values', () => {
    const [g] = parseRules({ data: { groups: [{ name: 'g', rules: [{ type: 'alerting', name: 'X', labels: null, state: 'weird', alerts: null, health: 'bad', noData: 'never' }] }] } });
    const r = g.rules[0];
    if (r.type !== 'alerting') throw new Error('unreachable');
    expect(r).toMatchObject({ labels: {}, annotations: {}, alerts: [], state: 'inactive', health: 'unknown', noData: 'ok', source: null, ruleKey: 'X' });
    expect(parseRules(null)).toEqual([]);
    expect(parseRules({ status: 'success' })).toEqual([]);
  });

  it('stringifies label values that are not strings', () => {
    const [g] = parseRules({ data: { groups: [{ rules: [{ type: 'recording', name: 'r', labels: { n: 3, b: true } }] }] } });
    expect(g.rules[0].labels).toEqual({ n: '3', b: 'true' });
  });

  it('sorts history newest first and drops items without a time', () => {
    const items = parseHistory({
      items: [
        { ruleKey: 'k', alertname: 'A', instance: 'i', labels: {}, from: 'inactive', to: 'pending', value: 1, at: 1000 },
        { ruleKey: 'k', alertname: 'A', instance: 'i', labels: {}, from: 'pending', to: 'firing', value: '9', at: 2000 },
        { ruleKey: 'k', alertname: 'A', instance: 'i', labels: {}, from: 'firing', to: 'bogus', value: null, at: null },
      ],
    });
    expect(items.map((h) => [h.at, h.to, h.value])).toEqual([
      [2000, 'firing', 9],
      [1000, 'pending', 1],
    ]);
  });

  it('sorts annotation periods oldest first; ongoing ones have no end', () => {
    const p = parseAnnotations({
      items: [
        { alertname: 'A', labels: {}, state: 'firing', time: 5000, timeEnd: null, value: 9.5 },
        { alertname: 'A', labels: {}, state: 'pending', time: 4000, timeEnd: 5000, value: null },
      ],
    });
    expect(p.map((x) => [x.state, x.time, x.timeEnd])).toEqual([
      ['pending', 4000, 5000],
      ['firing', 5000, null],
    ]);
  });
});

describe('requests', () => {
  it('GETs each read endpoint at its contract path', async () => {
    const calls = mockFetch({
      'GET /api/v1/rules': { json: RULES_BODY },
      'GET /api/v1/alerts': { json: { status: 'success', data: { alerts: [{ labels: { alertname: 'A' }, state: 'pending', value: '1' }] } } },
      'GET /api/v2/alerts': {
        json: [{ labels: { alertname: 'A' }, status: { state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] }, receivers: [{ name: 'ops' }], fingerprint: 'f' }],
      },
      'GET /api/v2/silences': { json: [{ id: 's1', status: { state: 'active' }, matchers: [{ name: 'alertname', value: 'A', isRegex: false }], createdBy: 'me', comment: 'c' }] },
      'GET /api/alerting/outbox': { json: { counts: { pending: 1, delivered: 2, failed: 0 }, items: [{ id: '1', receiver: 'ops', status: 'failed', attempts: '3', nextAttemptAt: 9, lastError: 'refused', createdAt: 1, deliveredAt: null, alerts: [{ labels: { alertname: 'A' }, status: 'firing' }] }] } },
      'GET /api/alerting/history': { json: { items: [] } },
      'GET /api/alerting/annotations': { json: { items: [] } },
    });
    expect((await alertingApi.rules())[0].rules).toHaveLength(2);
    expect((await alertingApi.promAlerts())[0]).toMatchObject({ state: 'pending', flapping: false });
    const [am] = await alertingApi.alerts();
    expect(am.status).toEqual({ state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] });
    const [s] = await alertingApi.silences();
    expect(s.matchers[0]).toEqual({ name: 'alertname', value: 'A', isRegex: false, isEqual: true });
    const outbox = await alertingApi.outbox({ status: 'failed', receiver: 'ops', limit: 50 });
    expect(outbox.counts).toEqual({ pending: 1, delivered: 2, failed: 0 });
    expect(outbox.items[0]).toMatchObject({ attempts: 3, nextAttemptAt: 9, lastError: 'refused', deliveredAt: null });
    await alertingApi.history({ ruleKey: 'plant/TempHigh', instance: 'a1b2', limit: 10 });
    await alertingApi.annotations('dash uid', 3, 1000.4, 2000.2);

    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/v1/rules',
      'GET /api/v1/alerts',
      'GET /api/v2/alerts',
      'GET /api/v2/silences',
      'GET /api/alerting/outbox',
      'GET /api/alerting/history',
      'GET /api/alerting/annotations',
    ]);
    expect(Object.fromEntries(calls[4].query)).toEqual({ status: 'failed', receiver: 'ops', limit: '50' });
    expect(Object.fromEntries(calls[5].query)).toEqual({ ruleKey: 'plant/TempHigh', instance: 'a1b2', limit: '10' });
    expect(Object.fromEntries(calls[6].query)).toEqual({ dashboardUid: 'dash uid', panelId: '3', from: '1000', to: '2001' });
  });

  it('leaves empty filters out of the query', async () => {
    const calls = mockFetch({ 'GET /api/alerting/outbox': { json: { counts: {}, items: [] } } });
    await alertingApi.outbox({ status: '', receiver: '' });
    expect(calls[0].url).toBe('/api/alerting/outbox');
  });

  it('POSTs a silence and returns its id; DELETE expires one', async () => {
    const calls = mockFetch({
      'POST /api/v2/silences': { json: { silenceID: 'new-id' } },
      'DELETE /api/v2/silence/a%2Fb': { status: 200 },
    });
    const body = { matchers: [{ name: 'alertname', value: 'A', isRegex: false, isEqual: true }], startsAt: '2024-05-01T10:00:00.000Z', endsAt: '2024-05-01T12:00:00.000Z', createdBy: 'me', comment: 'why' };
    expect(await alertingApi.saveSilence(body)).toBe('new-id');
    await alertingApi.expireSilence('a/b');
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/api/v2/silences', body });
    expect(calls[1]).toMatchObject({ method: 'DELETE', path: '/api/v2/silence/a%2Fb' });
  });

  it('turns errors into ApiError with the server message, Alertmanager string bodies included', async () => {
    mockFetch({
      'POST /api/v2/silences': { status: 400, json: 'invalid silence: at least one matcher required' },
      'GET /api/v1/rules': { status: 403, json: { message: 'viewer role required' } },
    });
    const post = alertingApi.saveSilence({ matchers: [], startsAt: '', endsAt: '', createdBy: '', comment: '' });
    await expect(post).rejects.toBeInstanceOf(ApiError);
    await expect(post).rejects.toMatchObject({ status: 400, message: 'invalid silence: at least one matcher required' });
    await expect(alertingApi.rules()).rejects.toMatchObject({ status: 403, message: 'viewer role required' });
    await expect(alertingApi.history({})).rejects.toMatchObject({ status: 404 });
  });

  it('reports an unreachable server as status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(alertingApi.alerts()).rejects.toMatchObject({ status: 0, message: 'cannot reach the server: Failed to fetch' });
  });
});
