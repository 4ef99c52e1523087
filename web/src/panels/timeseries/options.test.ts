import { describe, expect, it } from 'vitest';
import type uPlot from 'uplot';
import type { FieldConfig } from '../../api/dashboard';
import type { DataFrame } from '../../data/frame';
import { chartTheme } from '../../components/uplot/theme';
import { DataAligner, stackData } from './align';
import { calcTitle, legendOptions, legendValues, toggleSeries, tooltipOptions } from './legend';
import {
  assignScales, buildModel, buildPlotOptions, collectSeries, overlaySuffix, pathsFor, seriesColumns, sizeClass, stackGroups,
  structureKey, yRange, type BuildEnv, type ScaleInfo,
} from './options';
import { seriesStyle } from './style';

function frame(name: string, t: number[], v: (number | null)[], config: FieldConfig = {}, labels?: Record<string, string>): DataFrame {
  return {
    name,
    length: t.length,
    fields: [
      { name: 'Time', type: 'time', values: t, config: {} },
      { name, type: 'number', values: v, config, labels },
    ],
  };
}

const env = (over: Partial<BuildEnv> = {}): BuildEnv => ({
  theme: chartTheme('dark'),
  themeName: 'dark',
  timeZone: 'utc',
  hidden: new Set(),
  size: 'm',
  timeRange: () => ({ from: 0, to: 10 }),
  ...over,
});

const scale = (over: Partial<ScaleInfo> = {}): ScaleInfo => ({
  key: 'y', placement: 'left', label: '', min: null, max: null, softMin: null, softMax: null, centeredZero: false,
  type: 'linear', logBase: 2, linearThreshold: 1, percent: false, color: null, ...over,
});

describe('series style', () => {
  it('fills Grafana defaults', () => {
    const s = seriesStyle({});
    expect(s).toMatchObject({
      drawStyle: 'line', lineInterpolation: 'linear', lineWidth: 1, fillOpacity: 0, gradientMode: 'none', showPoints: 'auto',
      pointSize: 5, spanNulls: false, stackingMode: 'none', axisPlacement: 'auto', scaleType: 'linear', thresholdsMode: 'off',
    });
  });

  it('reads custom options', () => {
    const s = seriesStyle({
      custom: {
        drawStyle: 'bars', lineWidth: 3, fillOpacity: 40, gradientMode: 'opacity', lineInterpolation: 'stepAfter', showPoints: 'never',
        spanNulls: 60000, stacking: { mode: 'percent', group: 'B' }, axisPlacement: 'right', axisSoftMin: 0, axisSoftMax: 100,
        scaleDistribution: { type: 'log', log: 10 }, thresholdsStyle: { mode: 'line+area' }, lineStyle: { fill: 'dash', dash: [4, 2] },
        hideFrom: { viz: false, legend: true, tooltip: true },
      },
    });
    expect(s).toMatchObject({
      drawStyle: 'bars', lineWidth: 3, fillOpacity: 40, gradientMode: 'opacity', lineInterpolation: 'stepAfter', showPoints: 'never',
      spanNulls: 60000, stackingMode: 'percent', stackingGroup: 'B', axisPlacement: 'right', axisSoftMin: 0, axisSoftMax: 100,
      scaleType: 'log', logBase: 10, thresholdsMode: 'line+area', lineDash: [4, 2], hideLegend: true, hideTooltip: true, hideViz: false,
    });
  });

  it('picks a path builder per draw style and interpolation', () => {
    const line = pathsFor(seriesStyle({}));
    expect(pathsFor(seriesStyle({ custom: { lineInterpolation: 'smooth' } }))).not.toBe(line);
    expect(pathsFor(seriesStyle({ custom: { lineInterpolation: 'stepBefore' } }))).not.toBe(
      pathsFor(seriesStyle({ custom: { lineInterpolation: 'stepAfter' } })),
    );
    expect(pathsFor(seriesStyle({ custom: { drawStyle: 'points' } }))({} as uPlot, 1, 0, 0)).toBeNull();
  });
});

describe('collecting series', () => {
  it('labels series and colors them from the classic palette unless overridden', () => {
    const s = collectSeries(
      [frame('a', [1], [1]), frame('b', [1], [2], { color: { mode: 'fixed', fixedColor: 'red' } })],
      undefined);
    expect(s.map((x) => x.label)).toEqual(['a', 'b']);
    expect(s[0].color).toBe('#73BF69');
    expect(s[1].color).toBe('#F2495C');
  });

  it('adds overlay series dashed, with the suffix of the frame name and the main color', () => {
    const s = collectSeries([frame('cpu', [1], [1])], [frame('cpu (1d ago)', [1], [3])]);
    expect(s[1]).toMatchObject({ label: 'cpu (1d ago)', overlay: true, color: s[0].color });
    expect(s[1].style.lineDash).toEqual([6, 4]);
    expect(overlaySuffix('1w ago')).toBe('(1w ago)');
    expect(overlaySuffix('x (1d ago)')).toBe('(1d ago)');
  });

  it('returns the live columns without copying', () => {
    const f = frame('a', [1, 2], [3, 4]);
    const cols = seriesColumns([f], undefined);
    expect(cols[0].time).toBe(f.fields[0].values);
    expect(cols[0].values).toBe(f.fields[1].values);
  });

  it('keys structure on fields and config, not on points', () => {
    const f = frame('a', [1, 2], [3, 4]);
    const k = structureKey([f], undefined);
    (f.fields[1].values as number[]).push(5);
    expect(structureKey([f], undefined)).toBe(k);
    expect(structureKey([frame('a', [1], [1], { unit: 'bytes' })], undefined)).not.toBe(k);
  });
});

describe('scales and axes', () => {
  it('gives each unit its own scale; auto placement puts the second on the right', () => {
    const s = collectSeries(
      [frame('a', [1], [1], { unit: 'bytes' }), frame('b', [1], [1], { unit: 'percent' }), frame('c', [1], [1], { unit: 'bytes' })],
      undefined);
    const scales = assignScales(s);
    expect(scales.map((x) => [x.unit, x.placement])).toEqual([['bytes', 'left'], ['percent', 'right']]);
    expect(s[0].scaleKey).toBe(s[2].scaleKey);
  });

  it('puts a same-unit series placed right on its own right axis, with its overlay', () => {
    const s = collectSeries(
      [frame('a', [1], [1]), frame('c', [1], [1], { custom: { axisPlacement: 'right' } })],
      [{ ...frame('c', [1], [1]), name: 'c (1d ago)' }],
    );
    const scales = assignScales(s);
    expect(scales.map((x) => x.placement)).toEqual(['left', 'right']);
    expect(s[2].scaleKey).toBe(s[1].scaleKey);
  });

  it('honours explicit right and hidden placement', () => {
    const s = collectSeries(
      [frame('a', [1], [1], { custom: { axisPlacement: 'right' } }), frame('b', [1], [1], { unit: 'ms', custom: { axisPlacement: 'hidden' } })],
      undefined);
    expect(assignScales(s).map((x) => x.placement)).toEqual(['right', 'hidden']);
    const opts = buildPlotOptions(buildModel([frame('a', [1], [1], { custom: { axisPlacement: 'right' } })], undefined, new Set()), env());
    expect(opts.axes![1].side).toBe(1);
  });

  it('widens the range with soft limits and clamps with hard limits', () => {
    expect(yRange(10, 20, scale({ softMin: 0, softMax: 100 }))).toEqual([0, 100]);
    expect(yRange(10, 200, scale({ softMin: 0, softMax: 100 }))[1]).toBeGreaterThanOrEqual(200);
    expect(yRange(10, 20, scale({ min: 12, max: 15 }))).toEqual([12, 15]);
    const [lo, hi] = yRange(10, 20, scale());
    expect(lo).toBeLessThanOrEqual(10);
    expect(hi).toBeGreaterThanOrEqual(20);
    expect(yRange(-5, 20, scale({ centeredZero: true, min: null }))[0]).toBeLessThanOrEqual(-20);
    expect(yRange(null, null, scale({ softMin: 0, softMax: 10 }))).toEqual([0, 10]);
  });

  it('ranges log scales to powers of the base', () => {
    const [lo, hi] = yRange(3, 900, scale({ type: 'log', logBase: 10 }));
    expect(lo).toBe(1);
    expect(hi).toBe(1000);
  });

  it('builds a log scale, formatted ticks and a time x scale in ms', () => {
    const m = buildModel([frame('a', [1], [1], { unit: 'percent', custom: { scaleDistribution: { type: 'log', log: 10 } } })], undefined, new Set());
    const o = buildPlotOptions(m, env());
    expect(o.ms).toBe(1);
    expect(o.scales!.x.time).toBe(true);
    const y = o.scales![m.scales[0].key];
    expect(y.distr).toBe(3);
    expect(y.log).toBe(10);
    const values = o.axes![1].values as (u: uPlot, s: number[]) => string[];
    expect(values({} as uPlot, [10, 50])).toEqual(['10%', '50%']);
    expect((o.scales!.x.range as unknown as (u: uPlot, a: number, b: number) => number[])({} as uPlot, 3, 4)).toEqual([0, 10]);
  });

  it('uses uPlot time zones for IANA/UTC and none for the browser zone', () => {
    const m = buildModel([frame('a', [1], [1])], undefined, new Set());
    expect(buildPlotOptions(m, env({ timeZone: 'browser' })).tzDate).toBeUndefined();
    expect(typeof buildPlotOptions(m, env({ timeZone: 'Europe/Paris' })).tzDate).toBe('function');
  });
});

describe('series options', () => {
  it('maps fill opacity, points, hidden series and null spanning', () => {
    const m = buildModel(
      [
        frame('a', [1], [1], { custom: { fillOpacity: 50, showPoints: 'always', spanNulls: true } }),
        frame('b', [1], [1], { custom: { hideFrom: { viz: true } } }),
        frame('c', [1], [1], { custom: { spanNulls: 1000, showPoints: 'never' } }),
      ],
      undefined,
      new Set(['a']));
    const s = buildPlotOptions(m, env({ hidden: new Set(['a']) })).series;
    expect(s[1]).toMatchObject({ show: false, spanGaps: true, fill: 'rgba(115, 191, 105, 0.5)' });
    expect(s[1].points!.show).toBe(true);
    expect(s[2].show).toBe(false);
    expect(s[3].spanGaps).toBe(true);
    expect(typeof s[3].gaps).toBe('function');
    expect(s[3].points!.show).toBe(false);
  });

  it('hides the axis of a scale whose series are all hidden', () => {
    const m = buildModel([frame('a', [1], [1]), frame('b', [1], [1], { unit: 'bytes' })], undefined, new Set(['b']));
    const axes = buildPlotOptions(m, env({ hidden: new Set(['b']) })).axes!;
    expect(axes.map((a) => a.show !== false)).toEqual([true, true, false]);
  });

  it('uses a gradient function for opacity gradients and dashes overlays at half opacity', () => {
    const m = buildModel(
      [frame('a', [1], [1], { custom: { fillOpacity: 30, gradientMode: 'opacity' } })],
      [{ ...frame('a', [1], [1]), name: '1d ago' }],
      new Set());
    const s = buildPlotOptions(m, env()).series;
    expect(typeof s[1].fill).toBe('function');
    expect(s[2].dash).toEqual([6, 4]);
    expect(s[2].stroke).toBe('rgba(115, 191, 105, 0.5)');
    expect(s[2].label).toBe('a (1d ago)');
  });

  it('draws thresholds only when a field asks for them', () => {
    const thresholds = { mode: 'absolute' as const, steps: [{ value: null, color: 'green' }, { value: 80, color: 'red' }] };
    expect(buildModel([frame('a', [1], [1], { thresholds })], undefined, new Set()).thresholds).toBeNull();
    const m = buildModel([frame('a', [1], [1], { thresholds, custom: { thresholdsStyle: { mode: 'dashed' } } })], undefined, new Set());
    expect(m.thresholds).toMatchObject({ mode: 'dashed', scaleKey: m.series[0].scaleKey });
    expect(buildPlotOptions(m, env()).hooks!.drawClear).toHaveLength(1);
  });

  it('stacks by group and fills between stacked series with bands', () => {
    const st = { custom: { stacking: { mode: 'normal', group: 'A' } } };
    const m = buildModel([frame('a', [1], [1], st), frame('b', [1], [2], st), frame('c', [1], [3])], undefined, new Set());
    expect(m.stacking).toEqual([{ mode: 'normal', series: [1, 2] }]);
    expect(buildPlotOptions(m, env()).bands).toEqual([{ series: [2, 1] }]);
    expect(stackGroups(m.series, new Set(['a']))).toEqual([{ mode: 'normal', series: [2] }]);
  });
});

describe('alignment', () => {
  it('passes shared time columns through untouched (fast path)', () => {
    const t = [1, 2, 3];
    const a = [1, 2, 3];
    const b = [4, 5, 6];
    const al = new DataAligner();
    const d = al.align([{ time: t, values: a }, { time: [1, 2, 3], values: b }]);
    expect(al.lastWasFast).toBe(true);
    expect(d[0]).toBe(t);
    expect(d[1]).toBe(a);
    expect(d[2]).toBe(b);
  });

  it('outer-joins different times: missing is undefined, a real null stays null', () => {
    const al = new DataAligner();
    const d = al.align([
      { time: [1, 3, 5], values: [10, null, 50] },
      { time: [2, 3, 6], values: [20, 30, 60] },
    ]);
    expect(al.lastWasFast).toBe(false);
    expect(d[0]).toEqual([1, 2, 3, 5, 6]);
    expect(d[1]).toEqual([10, undefined, null, 50, undefined]);
    expect(d[2]).toEqual([undefined, 20, 30, undefined, 60]);
  });

  it('reuses its arrays between calls', () => {
    const al = new DataAligner();
    const d1 = al.align([{ time: [1], values: [1] }, { time: [2], values: [2] }]);
    const t1 = d1[0];
    const d2 = al.align([{ time: [1, 3], values: [1, 3] }, { time: [2], values: [2] }]);
    expect(d2).toBe(d1);
    expect(d2[0]).toBe(t1);
    expect(d2[0]).toEqual([1, 2, 3]);
  });

  it('stacks normal and percent groups', () => {
    const data: uPlot.AlignedData = [[1, 2], [1, 2], [3, null], [5, 5]];
    const n = stackData(data, [{ mode: 'normal', series: [1, 2] }]);
    expect(n[1]).toEqual([1, 2]);
    expect(n[2]).toEqual([4, 2]);
    expect(n[3]).toBe(data[3]);
    const p = stackData(data, [{ mode: 'percent', series: [1, 2, 3] }]);
    expect(p[1]).toEqual([1 / 9, 2 / 7]);
    expect(p[3]).toEqual([1, 1]);
  });
});

describe('legend and tooltip', () => {
  it('reads legend and tooltip options with defaults', () => {
    expect(legendOptions(undefined)).toMatchObject({ showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] });
    expect(legendOptions({ legend: { displayMode: 'hidden' } }).showLegend).toBe(false);
    expect(legendOptions({ legend: { showLegend: true, displayMode: 'table', placement: 'right', calcs: ['mean', 'max'] } })).toMatchObject({
      displayMode: 'table', placement: 'right', calcs: ['mean', 'max'],
    });
    expect(tooltipOptions({ tooltip: { mode: 'multi', sort: 'desc' } })).toEqual({ mode: 'multi', sort: 'desc' });
    expect(tooltipOptions({})).toEqual({ mode: 'single', sort: 'none' });
  });

  it('computes legend calcs with the unit', () => {
    const v = legendValues([1, null, 3], ['mean', 'max', 'lastNotNull', 'count'], 'percent', 1);
    expect(v.map((x) => x.text)).toEqual(['2.0%', '3.0%', '3.0%', '3']);
    expect(calcTitle('lastNotNull')).toBe('Last *');
  });

  it('isolates on click and toggles on ctrl/cmd-click, as Grafana', () => {
    const all = ['a', 'b', 'c'];
    const iso = toggleSeries(new Set(), 'a', all, false);
    expect([...iso].sort()).toEqual(['b', 'c']);
    expect(toggleSeries(iso, 'a', all, false).size).toBe(0);
    expect([...toggleSeries(iso, 'b', all, false)].sort()).toEqual(['a', 'c']);
    expect([...toggleSeries(new Set(), 'b', all, true)]).toEqual(['b']);
    expect([...toggleSeries(new Set(['b']), 'b', all, true)]).toEqual([]);
  });

  it('classes plot sizes', () => {
    expect(sizeClass(200, 300)).toBe('xs');
    expect(sizeClass(1200, 600)).toBe('l');
  });
});

describe('tickDecimals', () => {
  it('gives a tick step the decimals it needs', async () => {
    const { tickDecimals } = await import('./options');
    expect(tickDecimals(0.5)).toBe(1);
    expect(tickDecimals(0.25)).toBe(2);
    expect(tickDecimals(10)).toBe(0);
    expect(tickDecimals(undefined)).toBeNull();
  });
});
