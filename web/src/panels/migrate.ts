// Legacy dashboards into what Grafana 11 draws: Angular panels (graph, singlestat, table-old,
// grafana-piechart-panel...) become their React successors with the options Grafana's own panel
// migrations produce, and pre-grid dashboards (`rows`, schemaVersion < 16) are laid out on the
// 24-column grid. Inputs are never mutated.

import type {
  Dashboard,
  FieldConfig,
  FieldOverride,
  GridPos,
  Panel,
  Thresholds,
  ThresholdStep,
  ValueMapping,
} from '../api/dashboard';
import { reducerName, resolveReducerId } from '../data/transform/calc';
import { asArray, asBool, asNumber, asRecord, asString, clone } from '../data/transform/options';

type Json = Record<string, unknown>;
type Property = FieldOverride['properties'][number];

/** Panel properties that survive a plugin change (Grafana's PanelModel keeps these, drops the rest). */
const KEEP = [
  'id', 'gridPos', 'type', 'title', 'description', 'datasource', 'targets', 'transformations', 'links',
  'repeat', 'repeatDirection', 'repeatPanelId', 'maxPerRow', 'scopedVars', 'collapsed', 'panels',
  'timeFrom', 'timeShift', 'hideTimeOverride', 'maxDataPoints', 'interval', 'cacheTimeout',
  'queryCachingTTL', 'transparent', 'libraryPanel', 'fieldConfig',
];

/** Legacy panel ids and the Grafana 11 panel each becomes. */
const SUCCESSOR: Record<string, string> = {
  graph: 'timeseries',
  graphite: 'timeseries',
  'table-old': 'table',
  singlestat: 'stat',
  'grafana-singlestat-panel': 'stat',
  'grafana-piechart-panel': 'piechart',
  'grafana-worldmap-panel': 'geomap',
  'natel-discrete-panel': 'state-timeline',
  'heatmap-new': 'heatmap',
};

const str = (v: unknown) => asString(v) || undefined;

/** A copy of `p` with only the kept properties, as the new panel `type`. */
function successorBase(p: Panel, type: string): Panel {
  const out: Panel = { id: p.id, type };
  for (const k of KEEP) if (k !== 'type' && p[k] !== undefined) out[k] = clone(p[k]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// graph -> timeseries

/** Field config from a flot y axis: unit, decimals, min, max, label, log scale, visibility. */
function fromAxis(axis: unknown, right = false): FieldConfig {
  const a = asRecord(axis);
  if (!a) return {};
  const custom: Json = { axisPlacement: a.show === false ? 'hidden' : right ? 'right' : 'auto' };
  if (str(a.label)) custom.axisLabel = a.label;
  const log = asNumber(a.logBase);
  if (log === 2 || log === 10) custom.scaleDistribution = { type: 'log', log };
  const out: FieldConfig = { custom };
  if (str(a.format)) out.unit = a.format as string;
  const decimals = asNumber(a.decimals);
  const min = asNumber(a.min);
  const max = asNumber(a.max);
  if (decimals !== undefined) out.decimals = decimals;
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  return out;
}

/** The properties of a right-axis series: whatever the y2 axis sets differently from y1. */
function y2Properties(y1: FieldConfig, y2: FieldConfig): Property[] {
  const props: Property[] = [];
  for (const [k, v] of Object.entries(y2)) if (k !== 'custom' && v !== y1[k]) props.push({ id: k, value: v });
  const c1 = y1.custom ?? {};
  for (const [k, v] of Object.entries(y2.custom ?? {})) {
    if (JSON.stringify(v) !== JSON.stringify(c1[k])) props.push({ id: `custom.${k}`, value: v });
  }
  return props;
}

function fixedColor(color: unknown): Property {
  return { id: 'color', value: { mode: 'fixed', fixedColor: color } };
}

function aliasMatcher(alias: string): FieldOverride['matcher'] {
  const isRegex = alias.length > 1 && alias.startsWith('/') && alias.endsWith('/');
  return { id: isRegex ? 'byRegexp' : 'byName', options: alias };
}

/** One flot series override as a field override (undefined when it sets nothing we map). */
function seriesOverride(o: Json, g: Json, y1: FieldConfig): FieldOverride | undefined {
  const alias = str(o.alias);
  if (!alias) return undefined;
  const props: Property[] = [];
  let dash: { fill: string; dash: number[] } | undefined;
  const dashes = () => (dash ??= { fill: g.dashes ? 'dash' : 'solid', dash: [asNumber(g.dashLength) ?? 10, asNumber(g.spaceLength) ?? 10] });
  for (const [k, v] of Object.entries(o)) {
    switch (k) {
      case 'yaxis':
        if (asNumber(v) === 2) props.push(...y2Properties(y1, fromAxis(asArray(g.yaxes)[1], true)));
        break;
      case 'fill':
        props.push({ id: 'custom.fillOpacity', value: (asNumber(v) ?? 0) * 10 });
        break;
      case 'fillBelowTo':
        props.push({ id: 'custom.fillBelowTo', value: v });
        break;
      case 'fillGradient':
        if (asNumber(v)) {
          props.push({ id: 'custom.fillGradient', value: 'opacity' });
          props.push({ id: 'custom.fillOpacity', value: (asNumber(v) ?? 0) * 10 });
        }
        break;
      case 'points':
        props.push({ id: 'custom.showPoints', value: v ? 'always' : 'never' });
        break;
      case 'bars':
        props.push({ id: 'custom.drawStyle', value: v ? 'bars' : 'line' });
        if (v) props.push({ id: 'custom.fillOpacity', value: 100 });
        break;
      case 'lines':
        props.push(v ? { id: 'custom.drawStyle', value: 'line' } : { id: 'custom.lineWidth', value: 0 });
        break;
      case 'linewidth':
        props.push({ id: 'custom.lineWidth', value: v });
        break;
      case 'pointradius':
        props.push({ id: 'custom.pointSize', value: 2 + (asNumber(v) ?? 0) * 2 });
        break;
      case 'steppedLine':
        props.push({ id: 'custom.lineInterpolation', value: v ? 'stepAfter' : 'linear' });
        break;
      case 'dashes':
        dashes().fill = v ? 'dash' : 'solid';
        break;
      case 'dashLength':
        dashes().dash[0] = asNumber(v) ?? 10;
        break;
      case 'spaceLength':
        dashes().dash[1] = asNumber(v) ?? 10;
        break;
      case 'stack':
        props.push({ id: 'custom.stacking', value: { mode: v ? 'normal' : 'none', group: typeof v === 'string' ? v : 'A' } });
        break;
      case 'color':
        props.push(fixedColor(v));
        break;
      case 'transform':
        props.push({ id: 'custom.transform', value: v === 'negative-Y' ? 'negative-Y' : 'constant' });
        break;
      case 'legend':
        if (v === false) props.push({ id: 'custom.hideFrom', value: { legend: true, tooltip: false, viz: false } });
        break;
      case 'hideTooltip':
        if (v === true) props.push({ id: 'custom.hideFrom', value: { legend: false, tooltip: true, viz: false } });
        break;
    }
  }
  if (dash) props.push({ id: 'custom.lineStyle', value: dash });
  return props.length ? { matcher: aliasMatcher(alias), properties: props } : undefined;
}

/** Flot thresholds (`gt`/`lt` bands) as threshold steps; null is the base (-Infinity). */
function flotThresholds(list: Json[]): { thresholds: Thresholds; mode: string } {
  const sorted = [...list].sort((a, b) => ((asNumber(a.value) ?? 0) > (asNumber(b.value) ?? 0) ? 1 : -1));
  const color = (t: Json) =>
    t.colorMode === 'warning' ? 'orange' : t.colorMode === 'custom' ? (str(t.fillColor) ?? str(t.lineColor) ?? 'red') : 'red';
  const steps: ThresholdStep[] = [];
  let area = false;
  let line = false;
  sorted.forEach((t, i) => {
    const next = sorted[i + 1];
    const value = asNumber(t.value) ?? 0;
    if (t.fill) area = true;
    if (t.line) line = true;
    if (t.op === 'gt') steps.push({ value, color: color(t) });
    if (t.op === 'lt') {
      if (steps.length === 0) steps.push({ value: null, color: color(t) });
      if (next && next.op === 'lt') steps.push({ value, color: color(next) });
      else steps.push({ value, color: 'transparent' });
    }
  });
  if (steps.length > 0 && steps[0].value !== null) steps.unshift({ value: null, color: 'transparent' });
  return { thresholds: { mode: 'absolute', steps }, mode: line && area ? 'line+area' : area ? 'area' : 'line' };
}

function legendCalcs(legend: Json): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(legend)) {
    if (!v) continue;
    const id = resolveReducerId(k);
    if (id && ['min', 'max', 'mean', 'lastNotNull', 'sum'].includes(id)) out.push(id);
  }
  return out;
}

function graphToTimeseries(p: Panel): Panel {
  const g = p as Json;
  const out = successorBase(p, 'timeseries');
  const axis = fromAxis(asArray(g.yaxes)[0]);
  const prev = p.fieldConfig?.defaults ?? {};
  const defaults: FieldConfig = { ...clone(prev), ...axis };
  const overrides: FieldOverride[] = clone(p.fieldConfig?.overrides ?? []);

  for (const [alias, color] of Object.entries(asRecord(g.aliasColors) ?? {})) {
    if (color) overrides.push({ matcher: { id: 'byName', options: alias }, properties: [fixedColor(color)] });
  }
  let fillBelowTo = false;
  for (const o of asArray(g.seriesOverrides)) {
    const rec = asRecord(o);
    if (!rec) continue;
    if (rec.fillBelowTo !== undefined) fillBelowTo = true;
    const rule = seriesOverride(rec, g, axis);
    if (rule) overrides.push(rule);
  }

  const custom: Json = { ...(defaults.custom ?? {}) };
  custom.drawStyle = g.bars ? 'bars' : g.lines === false ? 'points' : 'line';
  if (g.points) {
    custom.showPoints = 'always';
    const r = asNumber(g.pointradius);
    if (r !== undefined) custom.pointSize = 2 + r * 2;
  } else if (custom.drawStyle !== 'points') custom.showPoints = 'never';
  const lw = asNumber(g.linewidth);
  if (lw !== undefined) custom.lineWidth = lw;
  if (g.dashes) custom.lineStyle = { fill: 'dash', dash: [asNumber(g.dashLength) ?? 10, asNumber(g.spaceLength) ?? 10] };
  const fill = asNumber(g.fill);
  if (fillBelowTo) custom.fillOpacity = 35;
  else if (fill !== undefined) custom.fillOpacity = fill * 10;
  const gradient = asNumber(g.fillGradient);
  if (gradient && gradient > 0) {
    custom.gradientMode = 'opacity';
    custom.fillOpacity = gradient * 10;
  }
  if (g.nullPointMode !== undefined) custom.spanNulls = g.nullPointMode === 'connected';
  if (str(g.nullPointMode)) defaults.nullValueMode = g.nullPointMode;
  if (g.steppedLine) custom.lineInterpolation = 'stepAfter';
  if (custom.drawStyle === 'bars') custom.fillOpacity = 100;
  if (g.stack) custom.stacking = { mode: g.percentage ? 'percent' : 'normal', group: 'A' };

  const options: Json = {
    legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] as string[] },
    tooltip: { mode: 'single', sort: 'none' },
  };
  const legend = asRecord(g.legend);
  const lo = options.legend as Json;
  if (legend) {
    if (legend.show === false) lo.showLegend = false;
    else if (legend.alignAsTable) lo.displayMode = 'table';
    if (legend.rightSide) lo.placement = 'right';
    if (legend.values) lo.calcs = legendCalcs(legend);
    const sort = str(legend.sort);
    if (sort && legend.sortDesc != null) {
      lo.sortBy = reducerName(sort) ?? sort;
      lo.sortDesc = Boolean(legend.sortDesc);
    }
  }
  const tooltip = asRecord(g.tooltip);
  if (tooltip) {
    (options.tooltip as Json).mode = tooltip.shared ? 'multi' : 'single';
    (options.tooltip as Json).sort = tooltip.sort === 1 ? 'asc' : tooltip.sort === 2 ? 'desc' : 'none';
  }

  const thresholds = asArray(g.thresholds).map(asRecord).filter((t): t is Json => !!t);
  if (thresholds.length) {
    const t = flotThresholds(thresholds);
    defaults.thresholds = t.thresholds;
    custom.thresholdsStyle = { mode: t.mode };
  }
  defaults.custom = custom;
  out.fieldConfig = { defaults, overrides };
  out.options = options;
  if (g.alert !== undefined) out.alert = clone(g.alert);
  return out;
}

/** Graph panels Grafana moves to another panel (x axis in series or histogram mode). */
function graphSuccessor(p: Panel): string {
  const mode = asRecord(p.xaxis)?.mode;
  if (mode === 'series') return asRecord(p.legend)?.values ? 'bargauge' : 'barchart';
  if (mode === 'histogram') return 'histogram';
  return 'timeseries';
}

// ---------------------------------------------------------------------------------------------
// singlestat -> stat / gauge

/** Threshold "50,80" and three colors -> base, 50, 80 steps. */
function singlestatThresholds(levels: string, colors: unknown[]): Thresholds {
  const values = levels.split(',').map((s) => Number(s.trim()));
  const steps: ThresholdStep[] = colors.map((c, i) => ({ value: i === 0 ? null : (values[i - 1] ?? null), color: String(c) }));
  return { mode: 'absolute', steps };
}

function activeColor(value: number, t?: Thresholds): string | undefined {
  let color: string | undefined;
  for (const s of t?.steps ?? []) if (s.value === null || value >= s.value) color = s.color;
  return color;
}

/** Angular value/range maps as Grafana 8+ value mappings (one value map, special null, ranges). */
export function convertLegacyMappings(p: Json, thresholds?: Thresholds): ValueMapping[] {
  let type = asNumber(p.mappingType);
  const valueMaps = asArray(p.valueMaps).map(asRecord).filter((m): m is Json => !!m);
  const rangeMaps = asArray(p.rangeMaps).map(asRecord).filter((m): m is Json => !!m);
  if (!type) type = valueMaps.length ? 1 : rangeMaps.length ? 2 : undefined;
  const result = (text: unknown) => {
    const r: Json = { text: String(text ?? '') };
    const n = parseFloat(String(text));
    const color = Number.isNaN(n) ? undefined : activeColor(n, thresholds);
    if (color) r.color = color;
    return r;
  };
  const out: ValueMapping[] = [];
  const values: Json = {};
  if (type === 1) {
    for (const m of valueMaps) {
      if (m.value == null) continue;
      if (m.value === 'null') out.push({ type: 'special', options: { match: 'null', result: result(m.text) } });
      else values[String(m.value)] = result(m.text);
    }
  } else if (type === 2) {
    for (const m of rangeMaps) {
      out.push({ type: 'range', options: { from: Number(m.from), to: Number(m.to), result: result(m.text) } });
    }
  }
  if (Object.keys(values).length) out.unshift({ type: 'value', options: values });
  return out;
}

function singlestatToStat(p: Panel): Panel {
  const s = p as Json;
  const gauge = asRecord(s.gauge);
  const isGauge = gauge?.show === true;
  const out = successorBase(p, isGauge ? 'gauge' : 'stat');
  const valueName = str(s.valueName) ?? 'avg';
  const reduceOptions: Json = { calcs: [resolveReducerId(valueName) ?? 'mean'] };
  if (str(s.tableColumn)) reduceOptions.fields = `/^${s.tableColumn as string}$/`;
  const options: Json = { reduceOptions, orientation: 'horizontal' };

  const defaults: FieldConfig = {};
  if (str(s.format)) defaults.unit = s.format as string;
  if (str(s.nullPointMode)) defaults.nullValueMode = s.nullPointMode;
  if (str(s.nullText)) defaults.noValue = s.nullText as string;
  const decimals = asNumber(s.decimals);
  if (decimals !== undefined) defaults.decimals = decimals;
  const colors = asArray(s.colors);
  if (str(s.thresholds) && colors.length) defaults.thresholds = singlestatThresholds(s.thresholds as string, colors);
  const mappings = convertLegacyMappings(s, defaults.thresholds);
  if (mappings.length) defaults.mappings = mappings;

  if (isGauge && gauge) {
    const min = asNumber(gauge.minValue);
    const max = asNumber(gauge.maxValue);
    if (min !== undefined) defaults.min = min;
    if (max !== undefined) defaults.max = max;
    options.showThresholdMarkers = gauge.thresholdMarkers ?? true;
    options.showThresholdLabels = gauge.thresholdLabels ?? false;
  } else {
    const sparkline = asRecord(s.sparkline);
    options.graphMode = sparkline?.show ? 'area' : 'none';
    if (s.colorBackground) options.colorMode = 'background';
    else if (s.colorValue) options.colorMode = 'value';
    else {
      options.colorMode = 'none';
      if (str(sparkline?.lineColor) && options.graphMode === 'area') {
        defaults.color = { mode: 'fixed', fixedColor: sparkline?.lineColor as string };
      }
    }
    if (valueName === 'name') options.textMode = 'name';
  }
  out.fieldConfig = { defaults, overrides: [] };
  out.options = options;
  return out;
}

// ---------------------------------------------------------------------------------------------
// table-old -> table

const TABLE_TRANSFORMS: Record<string, string> = {
  timeseries_to_rows: 'seriesToRows',
  timeseries_to_columns: 'seriesToColumns',
  timeseries_aggregations: 'reduce',
  table: 'merge',
};
const TABLE_COLUMNS: Record<string, string> = { avg: 'mean', min: 'min', max: 'max', total: 'sum', current: 'lastNotNull', count: 'count' };
const CELL_MODE: Record<string, string> = { cell: 'color-background', row: 'color-background', value: 'color-text' };

function tableThresholds(levels: unknown[], colors: unknown[]): Thresholds {
  const steps: ThresholdStep[] = [null, ...levels].map((l, i) => ({
    value: l === null ? null : (asNumber(l) ?? parseFloat(String(l))),
    color: String(colors[i] ?? ''),
  }));
  return { mode: 'absolute', steps };
}

function styleProperties(style: Json): Property[] {
  const props: Property[] = [];
  if (str(style.alias)) props.push({ id: 'displayName', value: style.alias });
  if (str(style.unit)) props.push({ id: 'unit', value: style.unit });
  if (asNumber(style.decimals)) props.push({ id: 'decimals', value: asNumber(style.decimals) });
  if (style.type === 'date') props.push({ id: 'unit', value: `time: ${str(style.dateFormat) ?? 'YYYY-MM-DD HH:mm:ss'}` });
  if (style.type === 'hidden') props.push({ id: 'custom.hidden', value: true });
  if (style.link) {
    props.push({
      id: 'links',
      value: [{ title: str(style.linkTooltip) ?? '', url: str(style.linkUrl) ?? '', targetBlank: asBool(style.linkTargetBlank) ?? false }],
    });
  }
  const mode = CELL_MODE[str(style.colorMode) ?? ''];
  if (mode) props.push({ id: 'custom.cellOptions', value: { type: mode } });
  if (str(style.align)) props.push({ id: 'custom.align', value: style.align === 'auto' ? null : style.align });
  const levels = asArray(style.thresholds);
  if (levels.length) props.push({ id: 'thresholds', value: tableThresholds(levels, asArray(style.colors)) });
  return props;
}

function tableOldToTable(p: Panel): Panel {
  const t = p as Json;
  const out = successorBase(p, 'table');
  const transformations = clone(p.transformations ?? []);
  const id = TABLE_TRANSFORMS[str(t.transform) ?? ''];
  if (id) {
    const options: Json = { reducers: [] as string[] };
    if (t.transform === 'timeseries_aggregations') {
      options.includeTimeField = false;
      options.reducers = asArray(t.columns)
        .map((c) => TABLE_COLUMNS[str(asRecord(c)?.value) ?? ''])
        .filter((r): r is string => !!r);
    }
    transformations.push({ id, options });
  }
  const styles = asArray(t.styles).map(asRecord).filter((s): s is Json => !!s);
  const base = styles.find((s) => s.pattern === '/.*/');
  const defaults: FieldConfig = { custom: {} };
  if (base) {
    // The catch-all style is the defaults: the same properties, set directly.
    const holder: Json = {};
    for (const prop of styleProperties(base)) {
      if (prop.value == null) continue;
      const [head, tail] = prop.id.split('.');
      if (tail) (defaults.custom as Json)[tail] = prop.value;
      else holder[head] = prop.value;
    }
    Object.assign(defaults, holder);
  }
  const overrides: FieldOverride[] = styles
    .filter((s) => s !== base && str(s.pattern))
    .map((s) => ({ matcher: aliasMatcher(s.pattern as string), properties: styleProperties(s) }))
    .filter((o) => o.properties.length > 0);
  out.transformations = transformations;
  out.fieldConfig = { defaults, overrides };
  out.options = {};
  return out;
}

// ---------------------------------------------------------------------------------------------
// grafana-piechart-panel -> piechart, text, others

const PIE_CALCS: Record<string, string> = { current: 'lastNotNull', min: 'min', max: 'max', avg: 'mean', total: 'sum' };

function oldPieToPiechart(p: Panel): Panel {
  const a = p as Json;
  const out = successorBase(p, 'piechart');
  const overrides: FieldOverride[] = [];
  for (const [alias, color] of Object.entries(asRecord(a.aliasColors) ?? {})) {
    if (color) overrides.push({ matcher: { id: 'byName', options: alias }, properties: [fixedColor(color)] });
  }
  const defaults: FieldConfig = { decimals: asNumber(a.decimals) || 0 };
  if (str(a.format)) defaults.unit = a.format as string;
  out.fieldConfig = { defaults, overrides };
  const legendValues: string[] = [];
  const legend: Json = { placement: 'right', values: legendValues, displayMode: 'table', showLegend: true, calcs: [] };
  const options: Json = { legend };
  if (str(a.valueName)) options.reduceOptions = { calcs: PIE_CALCS[a.valueName as string] ? [PIE_CALCS[a.valueName as string]] : [] };
  if (a.legendType === 'Under graph') legend.placement = 'bottom';
  if (a.pieType === 'pie' || a.pieType === 'donut') options.pieType = a.pieType;
  const old = asRecord(a.legend);
  if (old) {
    if (!old.show) legend.showLegend = false;
    if (old.values) legendValues.push('value');
    if (old.percentage) legendValues.push('percent');
  }
  if (a.legendType === 'On graph') {
    legend.showLegend = false;
    options.displayLabels = ['name', ...(old?.values ? ['value'] : []), ...(old?.percentage ? ['percent'] : [])];
  }
  out.options = options;
  return out;
}

/** Angular text panels kept `mode` and `content` on the panel itself. */
function textPanel(p: Panel): Panel {
  if (p.options?.content !== undefined || (p.content === undefined && p.mode === undefined)) return clone(p);
  const out = clone(p);
  const mode = str(p.mode) ?? 'markdown';
  out.options = { ...(out.options ?? {}), mode: mode === 'text' ? 'markdown' : mode, content: str(p.content) ?? '' };
  delete out.content;
  delete out.mode;
  return out;
}

/**
 * The panel as Grafana 11 draws it: legacy Angular panels become their successors with options
 * mapped as Grafana's migrations map them; other panels come back as a copy. Row children are
 * migrated too.
 */
export function migratePanel(panel: Panel): Panel {
  let out: Panel;
  switch (panel.type) {
    case 'graph':
    case 'graphite': {
      const to = graphSuccessor(panel);
      out = to === 'timeseries' ? graphToTimeseries(panel) : { ...successorBase(panel, to), options: {} };
      break;
    }
    case 'singlestat':
    case 'grafana-singlestat-panel':
      out = singlestatToStat(panel);
      break;
    case 'table-old':
      out = tableOldToTable(panel);
      break;
    case 'grafana-piechart-panel':
      out = oldPieToPiechart(panel);
      break;
    case 'text':
      out = textPanel(panel);
      break;
    default:
      out = SUCCESSOR[panel.type] ? { ...successorBase(panel, SUCCESSOR[panel.type]), options: {} } : clone(panel);
  }
  if (Array.isArray(out.panels)) out.panels = out.panels.map(migratePanel);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dashboards: rows -> grid

const COLUMNS = 24;
const CELL_HEIGHT = 30;
const CELL_VMARGIN = 8;
const MIN_PANEL_HEIGHT = CELL_HEIGHT * 3;

/** A row or panel height (px, or "250px") in grid units, as Grafana converts it. */
export function gridHeight(height: unknown): number {
  let px = typeof height === 'string' ? parseInt(height.replace('px', ''), 10) : (asNumber(height) ?? 250);
  if (Number.isNaN(px)) px = 250;
  return Math.ceil(Math.max(px, MIN_PANEL_HEIGHT) / (CELL_HEIGHT + CELL_VMARGIN));
}

/** The filled height of each of the 24 columns of one legacy row, to place panels left to right. */
class RowArea {
  private area = new Array<number>(COLUMNS).fill(0);
  constructor(
    private readonly height: number,
    public y: number,
  ) {}

  add(pos: GridPos): void {
    for (let i = pos.x; i < pos.x + pos.w && i < COLUMNS; i++) {
      this.area[i] = Math.max(this.area[i], pos.y + pos.h - this.y);
    }
  }

  /** Where a panel of `width` goes: the free run of columns at the right end, else a new line. */
  place(width: number, retry = true): { x: number; y: number } | undefined {
    let end: number | undefined;
    let start: number | undefined;
    for (let i = COLUMNS - 1; i >= 0; i--) {
      if (this.height - this.area[i] <= 0) break;
      if (end === undefined) end = i;
      else if (this.area[i] <= this.area[i + 1]) start = i;
      else break;
    }
    if (start !== undefined && end !== undefined && end - start >= width - 1) {
      return { x: start, y: Math.max(...this.area.slice(start)) };
    }
    if (!retry) return undefined;
    this.y += this.height;
    this.area.fill(0);
    return this.place(width, false);
  }
}

/** Grafana's `maxPerRow` for an old `minSpan` (in 24 columns). */
function maxPerRowFor(minSpan: number): number | undefined {
  const factors = [1, 2, 3, 4, 6, 8, 12, 24];
  const max = COLUMNS / minSpan;
  const i = factors.findIndex((f) => f > max);
  return i > 0 ? factors[i - 1] : i === -1 ? 24 : undefined;
}

type LegacyRow = NonNullable<Dashboard['rows']>[number] & Json;

/** Old `rows` as grid panels (and row panels when any row is collapsed, titled or repeated). */
function rowsToPanels(rows: LegacyRow[], firstId: number): Panel[] {
  const out: Panel[] = [];
  let nextId = firstId;
  let y = 0;
  const showRows = rows.some((r) => r.collapse || r.showTitle || r.repeat);
  for (const row of rows) {
    if (row.repeatIteration) continue;
    const rowHeight = gridHeight(row.height || 250);
    let rowPanel: Panel | undefined;
    if (showRows) {
      rowPanel = { id: nextId++, type: 'row', title: asString(row.title) ?? '', collapsed: !!row.collapse, panels: [], gridPos: { x: 0, y, w: COLUMNS, h: 1 } };
      if (row.repeat) rowPanel.repeat = row.repeat as string;
      y++;
    }
    const area = new RowArea(rowHeight, y);
    for (const source of asArray(row.panels)) {
      const panel = clone(source as Panel);
      const span = asNumber(panel.span) || 4;
      const w = Math.min(COLUMNS, Math.floor(span) * 2);
      const h = panel.height ? gridHeight(panel.height) : rowHeight;
      const at = area.place(w) ?? { x: 0, y: 0 };
      y = area.y;
      panel.gridPos = { x: at.x, y: y + at.y, w, h };
      area.add(panel.gridPos);
      const minSpan = asNumber(panel.minSpan);
      if (minSpan) {
        const perRow = maxPerRowFor(Math.min(COLUMNS, 2 * minSpan));
        if (perRow) panel.maxPerRow = perRow;
      }
      delete panel.span;
      delete panel.height;
      delete panel.minSpan;
      if (rowPanel && rowPanel.collapsed) rowPanel.panels?.push(panel);
      else out.push(panel);
    }
    if (rowPanel) out.push(rowPanel);
    if (!(rowPanel && rowPanel.collapsed)) y += rowHeight;
  }
  return out.sort((a, b) => (a.gridPos?.y ?? 0) - (b.gridPos?.y ?? 0) || (a.gridPos?.x ?? 0) - (b.gridPos?.x ?? 0));
}

function isGridPos(v: unknown): v is GridPos {
  const g = asRecord(v);
  return !!g && ['x', 'y', 'w', 'h'].every((k) => typeof g[k] === 'number');
}

/** Panels without a valid gridPos get Grafana's default size (6x3), laid out below the others. */
function ensureGridPos(panels: Panel[]): Panel[] {
  const bottom = (list: Panel[]) =>
    list.reduce((m, p) => (isGridPos(p.gridPos) ? Math.max(m, p.gridPos.y + p.gridPos.h) : m), 0);
  const y = bottom([...panels, ...panels.flatMap((p) => p.panels ?? [])]);
  let x = 0;
  let row = y;
  const place = (p: Panel): Panel => {
    if (isGridPos(p.gridPos)) return p;
    const w = p.type === 'row' ? COLUMNS : 6;
    if (x + w > COLUMNS) {
      x = 0;
      row += 3;
    }
    const gridPos = { x, y: row, w, h: p.type === 'row' ? 1 : 3 };
    x += w;
    return { ...p, gridPos };
  };
  return panels.map((p) => {
    const placed = place(p);
    return Array.isArray(placed.panels) ? { ...placed, panels: placed.panels.map(place) } : placed;
  });
}

function maxPanelId(panels: Panel[]): number {
  return panels.reduce((m, p) => Math.max(m, asNumber(p.id) ?? 0, maxPanelId(p.panels ?? [])), 0);
}

/**
 * The dashboard as Grafana 11 lays it out: old `rows` (schemaVersion < 16) flattened into grid
 * panels, a gridPos on every panel, and every panel (row children included) migrated.
 */
export function migrateDashboard(d: Dashboard): Dashboard {
  const out = clone(d);
  let panels: Panel[] = out.panels ?? [];
  const rows = (out.rows ?? []) as LegacyRow[];
  if ((asNumber(out.schemaVersion) ?? 0) < 16 && rows.length > 0) {
    const rowPanels = rows.flatMap((r) => asArray(r.panels) as Panel[]);
    const generated = rowsToPanels(rows, maxPanelId([...rowPanels, ...panels]) + 1);
    panels = [...panels, ...generated];
    delete out.rows;
  }
  out.panels = ensureGridPos(panels).map(migratePanel);
  return out;
}
