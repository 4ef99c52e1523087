import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dashboard, Panel } from '../api/dashboard';
import { gridHeight, migrateDashboard, migratePanel } from './migrate';

/** A legacy Angular graph panel as Grafana 6/7 saved it. */
const graph: Panel = {
  id: 2,
  type: 'graph',
  title: 'Network traffic',
  gridPos: { x: 0, y: 0, w: 12, h: 8 },
  targets: [{ refId: 'A', expr: 'rate(node_network_receive_bytes_total[5m])' }],
  aliasColors: { 'eth0 in': '#7EB26D' },
  bars: false,
  dashLength: 10,
  dashes: false,
  fill: 2,
  fillGradient: 0,
  legend: { alignAsTable: true, avg: true, current: true, max: true, min: false, rightSide: true, show: true, total: false, values: true },
  lines: true,
  linewidth: 2,
  nullPointMode: 'null',
  percentage: false,
  pointradius: 5,
  points: false,
  seriesOverrides: [
    { $$hashKey: 'object:1', alias: '/.*out.*/', transform: 'negative-Y', yaxis: 2, color: '#EAB839', fill: 0, linewidth: 1, dashes: true },
    { alias: 'errors', bars: true, stack: 'B' },
  ],
  spaceLength: 10,
  stack: true,
  steppedLine: false,
  thresholds: [{ value: 80, op: 'gt', fill: true, line: true, colorMode: 'critical' }],
  tooltip: { shared: true, sort: 2, value_type: 'individual' },
  xaxis: { mode: 'time', show: true },
  yaxes: [
    { format: 'Bps', logBase: 1, min: '0', max: null, decimals: 1, show: true, label: 'bytes' },
    { format: 'pps', logBase: 1, show: true },
  ],
};

const singlestat: Panel = {
  id: 3,
  type: 'singlestat',
  title: 'Uptime',
  gridPos: { x: 12, y: 0, w: 4, h: 4 },
  valueName: 'current',
  format: 's',
  decimals: 1,
  thresholds: '50,80',
  colors: ['#299c46', 'rgba(237, 129, 40, 0.89)', '#d44a3a'],
  colorBackground: true,
  sparkline: { show: true, lineColor: 'rgb(31, 120, 193)' },
  gauge: { show: false, minValue: 0, maxValue: 100 },
  mappingType: 1,
  valueMaps: [
    { op: '=', text: 'N/A', value: 'null' },
    { op: '=', text: 'Down', value: '0' },
  ],
  nullPointMode: 'connected',
};

describe('migratePanel: graph -> timeseries', () => {
  const p = migratePanel(graph);
  const fc = p.fieldConfig!;

  it('type, kept properties, legacy properties dropped', () => {
    expect(p.type).toBe('timeseries');
    expect(p.targets).toEqual(graph.targets);
    expect(p.gridPos).toEqual(graph.gridPos);
    expect(p.yaxes).toBeUndefined();
    expect(p.seriesOverrides).toBeUndefined();
  });

  it('y axis and draw options become defaults', () => {
    expect(fc.defaults).toMatchObject({ unit: 'Bps', min: 0, decimals: 1 });
    expect(fc.defaults?.max).toBeUndefined();
    expect(fc.defaults?.custom).toMatchObject({
      drawStyle: 'line', lineWidth: 2, fillOpacity: 20, showPoints: 'never', axisLabel: 'bytes', axisPlacement: 'auto',
      stacking: { mode: 'normal', group: 'A' }, spanNulls: false, thresholdsStyle: { mode: 'line+area' },
    });
    expect(fc.defaults?.thresholds).toEqual({ mode: 'absolute', steps: [{ value: null, color: 'transparent' }, { value: 80, color: 'red' }] });
  });

  it('alias colors and series overrides become overrides', () => {
    expect(fc.overrides?.[0]).toEqual({ matcher: { id: 'byName', options: 'eth0 in' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: '#7EB26D' } }] });
    const out = fc.overrides?.[1];
    expect(out?.matcher).toEqual({ id: 'byRegexp', options: '/.*out.*/' });
    expect(out?.properties).toEqual(expect.arrayContaining([
      { id: 'custom.transform', value: 'negative-Y' },
      { id: 'unit', value: 'pps' },
      { id: 'custom.axisPlacement', value: 'right' },
      { id: 'color', value: { mode: 'fixed', fixedColor: '#EAB839' } },
      { id: 'custom.fillOpacity', value: 0 },
      { id: 'custom.lineWidth', value: 1 },
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
    ]));
    expect(fc.overrides?.[2].properties).toEqual([
      { id: 'custom.drawStyle', value: 'bars' },
      { id: 'custom.fillOpacity', value: 100 },
      { id: 'custom.stacking', value: { mode: 'normal', group: 'B' } },
    ]);
  });

  it('legend and tooltip options', () => {
    expect(p.options).toEqual({
      legend: { showLegend: true, displayMode: 'table', placement: 'right', calcs: ['mean', 'lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    });
    const hidden = migratePanel({ ...graph, legend: { show: false } });
    expect((hidden.options?.legend as Record<string, unknown>).showLegend).toBe(false);
  });

  it('bars, points and x-axis modes', () => {
    const bars = migratePanel({ ...graph, bars: true, lines: false, stack: false, thresholds: [] });
    expect(bars.fieldConfig?.defaults?.custom).toMatchObject({ drawStyle: 'bars', fillOpacity: 100 });
    const points = migratePanel({ ...graph, lines: false, points: true, pointradius: 2 });
    expect(points.fieldConfig?.defaults?.custom).toMatchObject({ drawStyle: 'points', showPoints: 'always', pointSize: 6 });
    expect(migratePanel({ ...graph, xaxis: { mode: 'series' }, legend: { show: true } }).type).toBe('barchart');
    expect(migratePanel({ ...graph, xaxis: { mode: 'series' }, legend: { values: true } }).type).toBe('bargauge');
    expect(migratePanel({ ...graph, xaxis: { mode: 'histogram' } }).type).toBe('histogram');
  });

  it('does not mutate its input', () => {
    const before = JSON.stringify(graph);
    migratePanel(graph);
    expect(JSON.stringify(graph)).toBe(before);
  });
});

describe('migratePanel: singlestat -> stat / gauge', () => {
  it('stat with reducer, unit, thresholds, colors, sparkline and mappings', () => {
    const p = migratePanel(singlestat);
    expect(p.type).toBe('stat');
    expect(p.options).toEqual({ reduceOptions: { calcs: ['lastNotNull'] }, orientation: 'horizontal', graphMode: 'area', colorMode: 'background' });
    expect(p.fieldConfig?.defaults).toMatchObject({
      unit: 's',
      decimals: 1,
      nullValueMode: 'connected',
      thresholds: { mode: 'absolute', steps: [{ value: null, color: '#299c46' }, { value: 50, color: 'rgba(237, 129, 40, 0.89)' }, { value: 80, color: '#d44a3a' }] },
      mappings: [
        { type: 'value', options: { '0': { text: 'Down' } } },
        { type: 'special', options: { match: 'null', result: { text: 'N/A' } } },
      ],
    });
  });

  it('color modes, value names, range maps, the fixed sparkline color', () => {
    const value = migratePanel({ ...singlestat, colorBackground: false, colorValue: true, valueName: 'avg' });
    expect(value.options).toMatchObject({ colorMode: 'value', reduceOptions: { calcs: ['mean'] } });
    const none = migratePanel({ ...singlestat, colorBackground: false, valueName: 'name', mappingType: 2, rangeMaps: [{ from: '0', to: '10', text: 'low' }] });
    expect(none.options).toMatchObject({ colorMode: 'none', textMode: 'name' });
    expect(none.fieldConfig?.defaults?.color).toEqual({ mode: 'fixed', fixedColor: 'rgb(31, 120, 193)' });
    expect(none.fieldConfig?.defaults?.mappings).toEqual([{ type: 'range', options: { from: 0, to: 10, result: { text: 'low' } } }]);
    expect(migratePanel({ ...singlestat, sparkline: { show: false } }).options?.graphMode).toBe('none');
  });

  it('gauge.show makes a gauge with min/max; grafana-singlestat-panel too', () => {
    const g = migratePanel({ ...singlestat, gauge: { show: true, minValue: 0, maxValue: 3600, thresholdMarkers: true, thresholdLabels: false } });
    expect(g.type).toBe('gauge');
    expect(g.fieldConfig?.defaults).toMatchObject({ min: 0, max: 3600 });
    expect(g.options).toMatchObject({ showThresholdMarkers: true, showThresholdLabels: false });
    expect(migratePanel({ ...singlestat, type: 'grafana-singlestat-panel' }).type).toBe('stat');
  });
});

describe('migratePanel: table-old, piechart, text', () => {
  const tableOld: Panel = {
    id: 4,
    type: 'table-old',
    transform: 'timeseries_aggregations',
    columns: [{ text: 'Avg', value: 'avg' }, { text: 'Current', value: 'current' }],
    styles: [
      { pattern: 'Time', type: 'date', dateFormat: 'YYYY-MM-DD HH:mm:ss', alias: 'When' },
      { pattern: '/.*bytes.*/', type: 'number', unit: 'bytes', decimals: 2, colorMode: 'cell', thresholds: ['100', '200'], colors: ['green', 'orange', 'red'] },
      { pattern: '__name__', type: 'hidden' },
      { pattern: '/.*/', type: 'number', unit: 'short', decimals: 0, thresholds: [] },
    ],
  };

  it('styles become defaults and overrides, transform a transformation', () => {
    const p = migratePanel(tableOld);
    expect(p.type).toBe('table');
    expect(p.transformations).toEqual([{ id: 'reduce', options: { reducers: ['mean', 'lastNotNull'], includeTimeField: false } }]);
    expect(p.fieldConfig?.defaults).toEqual({ custom: {}, unit: 'short' });
    expect(p.fieldConfig?.overrides).toEqual([
      { matcher: { id: 'byName', options: 'Time' }, properties: [{ id: 'displayName', value: 'When' }, { id: 'unit', value: 'time: YYYY-MM-DD HH:mm:ss' }] },
      {
        matcher: { id: 'byRegexp', options: '/.*bytes.*/' },
        properties: [
          { id: 'unit', value: 'bytes' },
          { id: 'decimals', value: 2 },
          { id: 'custom.cellOptions', value: { type: 'color-background' } },
          { id: 'thresholds', value: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: 100, color: 'orange' }, { value: 200, color: 'red' }] } },
        ],
      },
      { matcher: { id: 'byName', options: '__name__' }, properties: [{ id: 'custom.hidden', value: true }] },
    ]);
    expect(migratePanel({ ...tableOld, transform: 'timeseries_to_columns' }).transformations?.[0].id).toBe('seriesToColumns');
    expect(migratePanel({ ...tableOld, transform: 'table' }).transformations?.[0].id).toBe('merge');
  });

  it('grafana-piechart-panel -> piechart', () => {
    const p = migratePanel({
      id: 5, type: 'grafana-piechart-panel', valueName: 'current', pieType: 'donut', legendType: 'Under graph', format: 'bytes',
      legend: { show: true, values: true, percentage: true }, aliasColors: { a: 'red' },
    });
    expect(p.type).toBe('piechart');
    expect(p.options).toEqual({
      legend: { placement: 'bottom', values: ['value', 'percent'], displayMode: 'table', showLegend: true, calcs: [] },
      reduceOptions: { calcs: ['lastNotNull'] },
      pieType: 'donut',
    });
    expect(p.fieldConfig?.defaults).toEqual({ unit: 'bytes', decimals: 0 });
  });

  it('old text panels move content into options; modern panels are copied', () => {
    expect(migratePanel({ id: 6, type: 'text', mode: 'html', content: '<b>hi</b>' }).options).toEqual({ mode: 'html', content: '<b>hi</b>' });
    const modern: Panel = { id: 7, type: 'timeseries', options: { legend: { showLegend: true } } };
    expect(migratePanel(modern)).toEqual(modern);
    expect(migratePanel(modern)).not.toBe(modern);
  });
});

describe('migrateDashboard', () => {
  const old: Dashboard = {
    title: 'Old',
    schemaVersion: 14,
    rows: [
      { title: 'Overview', height: '250px', panels: [{ ...singlestat, id: 1, span: 4 }, { ...graph, id: 2, span: 8 }] },
      { title: 'Details', height: 300, collapse: true, panels: [{ ...graph, id: 3, span: 12 }] },
    ],
  };

  it('flattens rows into row panels and grid positions (Grafana\'s 38px grid rows)', () => {
    const d = migrateDashboard(old);
    expect(d.rows).toBeUndefined();
    expect(gridHeight('250px')).toBe(7);
    expect(gridHeight(300)).toBe(8);
    const ps = d.panels ?? [];
    expect(ps.map((p) => [p.type, p.gridPos])).toEqual([
      ['row', { x: 0, y: 0, w: 24, h: 1 }],
      ['stat', { x: 0, y: 1, w: 8, h: 7 }],
      ['timeseries', { x: 8, y: 1, w: 16, h: 7 }],
      ['row', { x: 0, y: 8, w: 24, h: 1 }],
    ]);
    expect(ps[0]).toMatchObject({ id: 4, title: 'Overview', collapsed: false });
    expect(ps[3]).toMatchObject({ id: 5, title: 'Details', collapsed: true });
    expect(ps[3].panels?.map((p) => [p.type, p.gridPos])).toEqual([['timeseries', { x: 0, y: 9, w: 24, h: 8 }]]);
    expect(JSON.stringify(old)).not.toContain('"gridPos":{"x":0,"y":9');
  });

  it('rows without titles give plain panels, wrapping past 24 columns', () => {
    const d = migrateDashboard({ title: 'x', schemaVersion: 6, rows: [{ panels: [{ id: 1, type: 'text', span: 6 }, { id: 2, type: 'text', span: 6 }, { id: 3, type: 'text', span: 6 }] }] });
    expect(d.panels?.map((p) => p.gridPos)).toEqual([
      { x: 0, y: 0, w: 12, h: 7 },
      { x: 12, y: 0, w: 12, h: 7 },
      { x: 0, y: 7, w: 12, h: 7 },
    ]);
  });

  it('gives panels without gridPos one, below the others', () => {
    const d = migrateDashboard({ title: 'x', panels: [{ id: 1, type: 'stat', gridPos: { x: 0, y: 0, w: 24, h: 4 } }, { id: 2, type: 'graph' }] });
    expect(d.panels?.[1]).toMatchObject({ type: 'timeseries', gridPos: { x: 0, y: 4, w: 6, h: 3 } });
  });

  const DRAWN = new Set(['timeseries', 'stat', 'gauge', 'bargauge', 'table', 'heatmap', 'state-timeline', 'status-history', 'row', 'text', 'piechart', 'barchart', 'histogram', 'logs', 'news', 'dashlist', 'alertlist', 'nodeGraph', 'geomap', 'canvas', 'xychart', 'trend', 'candlestick', 'flamegraph', 'traces', 'annolist', 'welcome']);
  const dir = '/work/shared/grafana-dashboards';
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it.each(files)('%s: every panel migrates, has a gridPos and a type Grafana 11 draws', (file) => {
    const d = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Dashboard;
    const before = JSON.stringify(d);
    const m = migrateDashboard(d);
    const all = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...all(p.panels ?? [])]);
    const panels = all(m.panels ?? []);
    expect(panels.length).toBeGreaterThan(0);
    for (const p of panels) {
      expect(p.gridPos, `${file} panel ${p.id}`).toMatchObject({ x: expect.any(Number), y: expect.any(Number), w: expect.any(Number), h: expect.any(Number) });
      expect(DRAWN.has(p.type), `${file} panel ${p.id} type ${p.type}`).toBe(true);
    }
    expect(JSON.stringify(d)).toBe(before);
    // Modern dashboards come back unchanged.
    expect(m).toEqual(d);
  });
});
