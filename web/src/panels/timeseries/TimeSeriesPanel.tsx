// Grafana's time series panel on uPlot: the model (series, scales, stacking) and uPlot options
// are rebuilt only when the panel's structure, theme, hidden series or size class change; live
// frames only re-align the columns and call setData. Interactions as in Grafana: legend
// isolate/toggle, single/multi tooltip, shared crosshair, drag-select to zoom the dashboard.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { Legend, legendSize, type LegendItem } from '../../components/uplot/Legend';
import { addInteractions, attachCrosshair, detachCrosshair, type InteractionContext } from '../../components/uplot/interactions';
import { Plot, type PlotOptions } from '../../components/uplot/Plot';
import { chartTheme } from '../../components/uplot/theme';
import { createTooltipController, Tooltip } from '../../components/uplot/Tooltip';
import { formatDate, hoverFormat } from '../../components/uplot/timeAxis';
import { formatNumber } from '../../components/uplot/shared';
import '../../components/uplot/uplot.css';
import type { PanelProps } from '../types';
import { DataAligner, stackData, type AlignInput } from './align';
import { ALERT_STATE_COLORS, dashboardUidFromPath, drawAlertBands, PanelAlertPeriods, periodsAt, periodText } from './alertAnnotations';
import { calcTitle, legendOptions, legendValues, toggleSeries, tooltipOptions } from './legend';
import { buildModel, buildPlotOptions, seriesColumns, sizeClass, structureKey, type TimeSeriesModel } from './options';

/** Pixels of time a live plot must move before it is redrawn. */
const REDRAW_PX = 2;

/** For each series, the nearest index with a value (joined live series rarely share times). */
function nearestDefined(u: uPlot, si: number, idx: number): number {
  const ys = u.data[si];
  if (!ys || idx == null) return idx;
  if (ys[idx] != null) return idx;
  const xs = u.data[0];
  const n = ys.length;
  for (let d = 1; d < n; d++) {
    const l = idx - d;
    const r = idx + d;
    const lv = l >= 0 && ys[l] != null;
    const rv = r < n && ys[r] != null;
    if (lv && rv) return xs[idx] - xs[l] <= xs[r] - xs[idx] ? l : r;
    if (lv) return l;
    if (rv) return r;
    if (l < 0 && r >= n) break;
  }
  return idx;
}

/** The time series panel renderer. */
export function TimeSeriesPanel(props: PanelProps) {
  const { panel, frames, overlay, version, width, height, theme, timeZone } = props;
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const legend = useMemo(() => legendOptions(panel.options), [panel.options]);
  const tooltip = useMemo(() => tooltipOptions(panel.options), [panel.options]);

  const skey = structureKey(frames, overlay);
  const model = useMemo(() => buildModel(frames, overlay, hidden), [skey, hidden, theme]);

  // Layout: the legend takes its room first, the plot gets the rest.
  const legendProvisional = legend.showLegend ? model.series.filter((s) => !s.style.hideLegend) : [];
  const legendPx = legend.showLegend
    ? legendSize(legendProvisional, legend.displayMode === 'table' ? 'table' : 'list', legend.placement, width, height, legend.calcs.length, legend.width)
    : 0;
  const plotW = Math.max(10, legend.placement === 'right' ? width - legendPx : width);
  const plotH = Math.max(10, legend.placement === 'right' ? height : height - legendPx);
  const size = sizeClass(plotW, plotH);

  // Appended live points are drawn at most once per REDRAW_PX pixels of time (and at most 1 s
  // late): redrawing a plot that moved less than that shows next to nothing new but costs a full
  // redraw of every series (the main cost of a live dashboard in the browser).
  const shown = useRef({ version, at: 0 });
  const [, wake] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  if (version !== shown.current.version) {
    const tr = props.timeRange;
    const gap = props.appended ? Math.min(1000, Math.max(0, (REDRAW_PX * (tr.to - tr.from)) / plotW)) : 0;
    const now = typeof performance !== 'undefined' ? performance.now() : Date.now();
    const wait = shown.current.at + gap - now;
    if (wait <= 0) shown.current = { version, at: now };
    else if (timer.current === undefined) {
      timer.current = setTimeout(() => {
        timer.current = undefined;
        wake((n) => n + 1);
      }, wait);
    }
  }
  useEffect(() => () => clearTimeout(timer.current), []);
  const plotVersion = shown.current.version;

  // Columns and alignment buffers live across frames; only their contents change.
  const aligner = useRef(new DataAligner()).current;
  const stackTarget = useRef<unknown[]>([]).current;
  const columns = useRef<AlignInput[]>([]).current;
  const raw = useRef<uPlot.AlignedData>([[]]);
  const data = useMemo(() => {
    seriesColumns(frames, overlay, columns);
    const aligned = aligner.align(columns);
    raw.current = aligned;
    return model.stacking.length ? stackData(aligned, model.stacking, stackTarget) : aligned;
  }, [plotVersion, frames, overlay, model]);
  const points = columns.reduce((n, c) => n + c.time.length, 0);

  // Latest props for callbacks that uPlot keeps.
  const live = useRef({ props, model, tooltip });
  live.current = { props, model, tooltip };
  const timeRangeRef = useRef(props.timeRange);
  timeRangeRef.current = props.timeRange;

  const legendItems = useMemo<LegendItem[]>(() => {
    if (!legend.showLegend) return [];
    return model.series
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => !s.style.hideLegend)
      .map(({ s, i }) => ({
        key: s.key,
        label: s.label,
        color: s.color,
        dashed: s.overlay || !!s.style.lineDash,
        off: hidden.has(s.key) || s.style.hideViz,
        values: legend.calcs.length
          ? legendValues(columns[i]?.values ?? [], legend.calcs, s.unit, s.decimals).map((v) => ({ ...v, title: calcTitle(v.calc) }))
          : undefined,
      }));
  }, [model, legend, hidden, plotVersion, frames]);
  const tip = useMemo(() => createTooltipController(), []);
  const plotRef = useRef<uPlot | null>(null);

  // Alert state periods of the rules linked to this panel: fetched for the range, drawn by a
  // `draw` hook; new periods redraw the canvas only.
  const dashboardUid = typeof location !== 'undefined' ? dashboardUidFromPath(location.pathname) : null;
  const alerts = useRef<PanelAlertPeriods | null>(null);
  useEffect(() => {
    if (!dashboardUid) return;
    const a = new PanelAlertPeriods(dashboardUid, panel.id, () => plotRef.current?.redraw(false, false));
    alerts.current = a;
    return () => {
      a.dispose();
      if (alerts.current === a) alerts.current = null;
    };
  }, [dashboardUid, panel.id]);
  useEffect(() => {
    alerts.current?.update(props.timeRange);
  }, [props.timeRange.from, props.timeRange.to, dashboardUid, panel.id]);

  const interaction = (): InteractionContext => {
    const p = live.current.props;
    return { panelId: p.panel.id, crosshair: p.crosshair, onZoom: p.onZoom, onHover: showTooltip, onLeave: () => tip.hide() };
  };
  const options = useMemo<PlotOptions>(() => {
    const opts = buildPlotOptions(model, {
      theme: chartTheme(theme),
      themeName: theme,
      timeZone,
      hidden,
      size,
      timeRange: () => timeRangeRef.current,
    });
    opts.cursor = {
      ...opts.cursor,
      dataIdx: (u, si, idx) => (si === 0 ? idx : nearestDefined(u, si, idx)),
    };
    addInteractions(opts, interaction);
    opts.hooks = { ...opts.hooks, draw: [...(opts.hooks?.draw ?? []), (u) => drawAlertBands(u, alerts.current?.periods ?? [], Date.now())] };
    return opts;
  }, [model, theme, timeZone, hidden, size]);

  function showTooltip(u: uPlot) {
    const { model: m, tooltip: t, props: p } = live.current;
    const idx = u.cursor.idx;
    const left = u.cursor.left ?? -1;
    if (t.mode === 'none' || idx == null || left < 0) return tip.hide();
    const rows = tooltipRows(u, m, raw.current, t.mode, u.cursor.top ?? 0);
    if (rows.length === 0) return tip.hide();
    const rect = u.over.getBoundingClientRect();
    const x0 = u.data[0];
    const range = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
    const time = t.mode === 'single' ? x0[rows[0].idx] : x0[idx];
    if (t.sort !== 'none' && rows.length > 1) {
      rows.sort((a, b) => ((a.value ?? -Infinity) - (b.value ?? -Infinity)) * (t.sort === 'asc' ? 1 : -1));
    }
    const periods = alerts.current?.periods.length ? periodsAt(alerts.current.periods, u.posToVal(left, 'x'), Date.now()) : [];
    tip.show({
      x: rect.left + left,
      y: rect.top + (u.cursor.top ?? 0),
      body: (
        <>
          <div class="head">{formatDate(time, hoverFormat(range), p.timeZone)}</div>
          {rows.map((r) => (
            <div class={`row${r.focus ? ' focus' : ''}`} key={r.label}>
              <span class={`pg-swatch${r.dashed ? ' dashed' : ''}`} style={r.dashed ? { borderTopColor: r.color } : { background: r.color }} />
              <span class="name">{r.label}</span>
              <span class="val">{r.text}</span>
            </div>
          ))}
          {periods.map((a, i) => (
            <div class="row alert" key={`alert-${i}`}>
              <span class="pg-swatch" style={{ background: ALERT_STATE_COLORS[a.state] }} />
              <span class="name">{periodText(a)}</span>
            </div>
          ))}
        </>
      ),
    });
  }

  const onCreate = (u: uPlot) => {
    plotRef.current = u;
    attachCrosshair(u, interaction);
  };
  const onDestroy = (u: uPlot) => {
    detachCrosshair(u);
    if (plotRef.current === u) plotRef.current = null;
  };

  // A new time range without new data (zoom, relative range ticking): re-range x only.
  // While live points append, x follows the (throttled) redraws, which re-range it themselves.
  useEffect(() => {
    const u = plotRef.current;
    if (u && !props.appended) u.setScale('x', { min: props.timeRange.from, max: props.timeRange.to });
  }, [props.timeRange.from, props.timeRange.to]);

  if (model.series.length === 0 || points === 0) return <div class="panel-notice">No data</div>;

  const legendEl = legend.showLegend && legendItems.length > 0 && (
    <Legend
      items={legendItems}
      mode={legend.displayMode === 'table' ? 'table' : 'list'}
      placement={legend.placement}
      calcs={legend.calcs.map((c) => ({ calc: c, title: calcTitle(c) }))}
      sortBy={legend.sortBy}
      sortDesc={legend.sortDesc}
      onItemClick={(key, toggle) => setHidden((h) => toggleSeries(h, key, legendItems.map((i) => i.key), toggle))}
      style={legend.placement === 'right' ? { width: `${legendPx}px`, flex: 'none' } : { height: `${legendPx}px`, flex: 'none' }}
    />
  );
  return (
    <div class={`pg-viz legend-${legend.placement}`} style={{ width: `${width}px`, height: `${height}px` }}>
      <Plot options={options} data={data} version={plotVersion} width={plotW} height={plotH} onCreate={onCreate} onDestroy={onDestroy} />
      {legendEl}
      <Tooltip controller={tip} />
    </div>
  );
}

interface TooltipRow {
  label: string;
  color: string;
  dashed: boolean;
  value: number | null;
  text: string;
  idx: number;
  focus: boolean;
}

/** Tooltip rows at the cursor: the nearest series ('single') or every visible one ('multi'). */
function tooltipRows(u: uPlot, m: TimeSeriesModel, raw: uPlot.AlignedData, mode: 'single' | 'multi', top: number): TooltipRow[] {
  const rows: TooltipRow[] = [];
  let best = -1;
  let bestDist = Infinity;
  m.series.forEach((s, i) => {
    const si = i + 1;
    if (!u.series[si]?.show || s.style.hideTooltip) return;
    const idx = u.cursor.idxs?.[si] ?? u.cursor.idx;
    if (idx == null) return;
    const v = raw[si]?.[idx] as number | null | undefined;
    const drawn = u.data[si]?.[idx];
    if (drawn != null) {
      const d = Math.abs(u.valToPos(drawn as number, s.scaleKey) - top);
      if (d < bestDist) {
        bestDist = d;
        best = rows.length;
      }
    }
    rows.push({
      label: s.label, color: s.color, dashed: s.overlay, value: v ?? null, idx,
      text: v == null ? '-' : formatNumber(v, s.unit, s.decimals), focus: false,
    });
  });
  if (best >= 0) rows[best].focus = true;
  if (mode === 'single') return best >= 0 ? [rows[best]] : [];
  return rows;
}
