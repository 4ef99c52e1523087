// Alert state bands on a time series: time -> pixel, clipping to the range, ongoing periods,
// when a panel asks again (jumps at once, a sliding range at most every 10 s), only panels with
// linked rules asking at all, failures drawing nothing, and what the draw hook paints.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type uPlot from 'uplot';
import type { AlertPeriod } from '../../api/alerting';
import { mockFetch, type FetchCall } from '../../pages/alerting/testFetch';
import {
  ALERT_STATE_COLORS, alertBands, dashboardUidFromPath, drawAlertBands, LIVE_REFETCH_MS, linkedPanels, PanelAlertPeriods, periodsAt,
  periodText, refetchDelay, resetLinkedPanels,
} from './alertAnnotations';

const period = (state: AlertPeriod['state'], time: number, timeEnd: number | null, value: number | null = null): AlertPeriod => ({
  alertname: 'TempHigh', labels: { site: 'a' }, state, time, timeEnd, value,
});

describe('alertBands', () => {
  const scale = { min: 1000, max: 2000 };
  const box = { left: 50, width: 500 };

  it('maps time linearly to canvas pixels', () => {
    const [b] = alertBands([period('firing', 1200, 1400)], scale, box, 5000);
    expect(b).toMatchObject({ x0: 150, x1: 250, state: 'firing', startVisible: true });
  });

  it('clips periods to the range; a start before the range has no marker', () => {
    const bands = alertBands([period('pending', 500, 1100), period('firing', 1900, 2500)], scale, box, 5000);
    expect(bands.map((b) => [b.x0, b.x1, b.startVisible])).toEqual([
      [50, 100, false],
      [500, 550, true],
    ]);
  });

  it('drops periods wholly outside the range', () => {
    expect(alertBands([period('firing', 100, 900), period('firing', 2100, 2200)], scale, box, 5000)).toEqual([]);
  });

  it('draws an ongoing period until now, or to the range end when now is past it', () => {
    expect(alertBands([period('firing', 1500, null)], scale, box, 1800)[0]).toMatchObject({ x0: 300, x1: 450 });
    expect(alertBands([period('firing', 1500, null)], scale, box, 9999)[0]).toMatchObject({ x0: 300, x1: 550 });
    // An ongoing period that started "after now" (clock skew) is at least a line.
    expect(alertBands([period('nodata', 1500, null)], scale, box, 1000)[0]).toMatchObject({ x0: 300, x1: 300 });
  });

  it('draws nothing on an empty scale or width', () => {
    expect(alertBands([period('firing', 1200, 1400)], { min: 5, max: 5 }, box, 0)).toEqual([]);
    expect(alertBands([period('firing', 1200, 1400)], scale, { left: 0, width: 0 }, 0)).toEqual([]);
  });
});

describe('helpers', () => {
  it('finds the periods at a time (the tooltip)', () => {
    const ps = [period('pending', 100, 200), period('firing', 200, null, 9.5)];
    expect(periodsAt(ps, 150, 1000).map((p) => p.state)).toEqual(['pending']);
    expect(periodsAt(ps, 200, 1000).map((p) => p.state)).toEqual(['pending', 'firing']);
    expect(periodsAt(ps, 900, 1000).map((p) => p.state)).toEqual(['firing']);
    expect(periodsAt(ps, 1100, 1000)).toEqual([]);
    expect(periodText(ps[1])).toBe('TempHigh firing (9.5)');
    expect(periodText(ps[0])).toBe('TempHigh pending');
  });

  it.each<[string, string | null]>([
    ['/d/e2e-alerting', 'e2e-alerting'],
    ['/d/abc/my-slug', 'abc'],
    ['/d/a%20b', 'a b'],
    ['/alerting', null],
    ['/', null],
  ])('dashboard uid of %s', (path, uid) => {
    expect(dashboardUidFromPath(path)).toBe(uid);
  });

  it.each<[string, { from: number; to: number; at: number } | null, { from: number; to: number }, number, number | null]>([
    ['first load', null, { from: 0, to: 100_000 }, 0, 0],
    ['same range', { from: 0, to: 100_000, at: 0 }, { from: 0, to: 100_000 }, 50_000, null],
    ['sliding, 3 s after the last ask', { from: 0, to: 100_000, at: 0 }, { from: 3000, to: 103_000 }, 3000, LIVE_REFETCH_MS - 3000],
    ['sliding, 12 s after', { from: 0, to: 100_000, at: 0 }, { from: 12_000, to: 112_000 }, 12_000, 0],
    ['zoom in', { from: 0, to: 100_000, at: 0 }, { from: 20_000, to: 40_000 }, 1000, 0],
    ['another span', { from: 0, to: 100_000, at: 0 }, { from: 0, to: 200_000 }, 1000, 0],
    ['moved back', { from: 0, to: 100_000, at: 0 }, { from: -50_000, to: 50_000 }, 1000, 0],
    ['jumped past', { from: 0, to: 100_000, at: 0 }, { from: 150_000, to: 250_000 }, 1000, 0],
  ])('refetch delay: %s', (_name, last, next, now, expected) => {
    expect(refetchDelay(last, next, now)).toBe(expected);
  });
});

const RULES = {
  status: 'success',
  data: {
    groups: [
      {
        name: 'g', file: 'f.yml',
        rules: [
          { type: 'alerting', name: 'TempHigh', annotations: { __dashboardUid__: 'dash', __panelId__: '1' }, state: 'firing', alerts: [] },
          { type: 'recording', name: 'r', annotations: { __dashboardUid__: 'dash', __panelId__: '2' } },
        ],
      },
    ],
  },
};

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('PanelAlertPeriods', () => {
  let clock = 0;
  let calls: FetchCall[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
    resetLinkedPanels();
    clock = 1_000_000;
    calls = mockFetch({
      'GET /api/v1/rules': { json: RULES },
      'GET /api/alerting/annotations': (c) => ({ json: { items: [{ alertname: 'TempHigh', labels: {}, state: 'firing', time: Number(c.query.get('from')) + 10, timeEnd: null, value: 9.5 }] } }),
    });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
  const annotationCalls = () => calls.filter((c) => c.path === '/api/alerting/annotations');

  it('fetches the periods of a linked panel for its range, then redraws', async () => {
    const onChange = vi.fn();
    const a = new PanelAlertPeriods('dash', 1, onChange, () => clock);
    a.update({ from: 1000, to: 101_000 });
    await vi.waitFor(() => expect(onChange).toHaveBeenCalledTimes(1));
    expect(a.periods).toEqual([{ alertname: 'TempHigh', labels: {}, state: 'firing', time: 1010, timeEnd: null, value: 9.5 }]);
    expect(Object.fromEntries(annotationCalls()[0].query)).toEqual({ dashboardUid: 'dash', panelId: '1', from: '1000', to: '101000' });
    a.dispose();
  });

  it('asks a sliding live range at most every 10 s, and a jump at once', async () => {
    const onChange = vi.fn();
    const a = new PanelAlertPeriods('dash', 1, onChange, () => Date.now());
    a.update({ from: 0, to: 100_000 });
    await flush();
    expect(annotationCalls()).toHaveLength(1);
    // A live range slides every second: 9 s later still one ask.
    for (let s = 1; s <= 9; s++) {
      await vi.advanceTimersByTimeAsync(1000);
      a.update({ from: s * 1000, to: 100_000 + s * 1000 });
    }
    await flush();
    expect(annotationCalls()).toHaveLength(1);
    // 10 s after the first ask, the newest range is asked.
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(annotationCalls()).toHaveLength(2);
    expect(annotationCalls()[1].query.get('from')).toBe('9000');
    // A zoom asks at once.
    a.update({ from: 50_000, to: 60_000 });
    await flush();
    expect(annotationCalls()).toHaveLength(3);
    a.dispose();
  });

  it('does not ask for panels without linked rules, nor for recording rules', async () => {
    const onChange = vi.fn();
    new PanelAlertPeriods('dash', 2, onChange, () => clock).update({ from: 0, to: 1000 });
    new PanelAlertPeriods('other', 1, onChange, () => clock).update({ from: 0, to: 1000 });
    await flush();
    await flush();
    expect(annotationCalls()).toHaveLength(0);
    expect(calls.filter((c) => c.path === '/api/v1/rules')).toHaveLength(1);
    expect(onChange).not.toHaveBeenCalled();
  });

  it('learns the linked panels once a minute for the whole page', async () => {
    await linkedPanels(clock);
    await linkedPanels(clock + 30_000);
    expect(calls.filter((c) => c.path === '/api/v1/rules')).toHaveLength(1);
    expect([...(await linkedPanels(clock + 61_000))]).toEqual(['dash\u00001']);
    expect(calls.filter((c) => c.path === '/api/v1/rules')).toHaveLength(2);
  });

  it('shows nothing when the endpoints are missing or fail', async () => {
    vi.unstubAllGlobals();
    calls = mockFetch({ 'GET /api/v1/rules': { json: RULES }, 'GET /api/alerting/annotations': { status: 500, json: { message: 'boom' } } });
    const onChange = vi.fn();
    const a = new PanelAlertPeriods('dash', 1, onChange, () => clock);
    a.update({ from: 0, to: 1000 });
    await flush();
    await flush();
    expect(annotationCalls()).toHaveLength(1);
    expect(a.periods).toEqual([]);
    expect(onChange).not.toHaveBeenCalled();

    resetLinkedPanels();
    vi.unstubAllGlobals();
    calls = mockFetch({});
    expect((await linkedPanels(clock)).size).toBe(0);
  });

  it('ignores an answer that arrives after dispose', async () => {
    const onChange = vi.fn();
    const a = new PanelAlertPeriods('dash', 1, onChange, () => clock);
    a.update({ from: 0, to: 1000 });
    a.dispose();
    await flush();
    await flush();
    expect(onChange).not.toHaveBeenCalled();
  });
});

describe('drawAlertBands', () => {
  function fakePlot(min: number, max: number) {
    const ops: string[] = [];
    const ctx = {
      fillStyle: '',
      strokeStyle: '',
      lineWidth: 1,
      save: () => ops.push('save'),
      restore: () => ops.push('restore'),
      beginPath: () => undefined,
      rect: () => undefined,
      clip: () => undefined,
      moveTo: () => undefined,
      lineTo: () => undefined,
      closePath: () => undefined,
      setLineDash: () => undefined,
      stroke: () => ops.push(`stroke ${ctx.strokeStyle}`),
      fill: () => ops.push(`fill ${ctx.fillStyle}`),
      fillRect: (x: number, y: number, w: number, h: number) => ops.push(`fillRect ${ctx.fillStyle} ${x} ${y} ${w} ${h}`),
    };
    const root = { dataset: {} as Record<string, string> };
    const u = { scales: { x: { min, max } }, bbox: { left: 10, top: 5, width: 100, height: 50 }, ctx, root } as unknown as uPlot;
    return { u, ops, root };
  }

  it('fills a translucent band per period and marks the starts inside the range', () => {
    const { u, ops, root } = fakePlot(0, 1000);
    drawAlertBands(u, [period('pending', -100, 200), period('firing', 200, null)], 600);
    expect(ops).toEqual([
      'save',
      'fillRect rgba(255, 152, 48, 0.15) 10 5 20 50',
      'fillRect rgba(242, 73, 92, 0.15) 30 5 40 50',
      'stroke rgba(242, 73, 92, 0.9)',
      `fill ${ALERT_STATE_COLORS.firing}`,
      'restore',
    ]);
    expect(root.dataset.alertStates).toBe('firing pending');
  });

  it('paints nothing without periods and clears the mark', () => {
    const { u, ops, root } = fakePlot(0, 1000);
    root.dataset.alertStates = 'firing';
    drawAlertBands(u, [], 600);
    expect(ops).toEqual([]);
    expect(root.dataset.alertStates).toBeUndefined();
  });
});
