// Grafana's state timeline on uPlot: one row per field, spans of equal values colored by value
// mappings/thresholds, value text inside spans when it fits (showValue auto) or always, and a
// legend of the states. uPlot gives the time axis, cursor, crosshair and drag-to-zoom; a draw
// hook paints the rows. Live data recomputes the spans and calls setData only.

import { useEffect, useMemo, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import type { FieldConfig } from '../../api/dashboard';
import { displayName, type DataFrame } from '../../data/frame';
import { addInteractions, attachCrosshair, detachCrosshair, type InteractionContext } from '../../components/uplot/interactions';
import { Legend, type LegendItem } from '../../components/uplot/Legend';
import { Plot, type PlotOptions } from '../../components/uplot/Plot';
import { chartTheme, contrastText, withAlpha } from '../../components/uplot/theme';
import { formatDate, hoverFormat, timeAxisValues, tzDateFn } from '../../components/uplot/timeAxis';
import { createTooltipController, Tooltip } from '../../components/uplot/Tooltip';
import '../../components/uplot/uplot.css';
import type { PanelProps } from '../types';
import { computeSpans, spanAt, stateLegend, stateLook, type StateLook, type StateSpan } from './spans';

/** The state timeline options this panel reads, defaults applied. */
export interface StateTimelineOptions {
  mergeValues: boolean;
  showValue: 'auto' | 'always' | 'never';
  alignValue: 'left' | 'center' | 'right';
  rowHeight: number;
  showLegend: boolean;
  tooltip: boolean;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** panel.options of a state timeline with Grafana's defaults. */
export function stateTimelineOptions(o: Record<string, unknown> | undefined): StateTimelineOptions {
  const opts = o ?? {};
  const legend = obj(opts.legend);
  return {
    mergeValues: opts.mergeValues !== false,
    showValue: opts.showValue === 'always' || opts.showValue === 'never' ? opts.showValue : 'auto',
    alignValue: opts.alignValue === 'center' || opts.alignValue === 'right' ? opts.alignValue : 'left',
    rowHeight: typeof opts.rowHeight === 'number' ? Math.max(0.1, Math.min(1, opts.rowHeight)) : 0.9,
    showLegend: legend.showLegend !== false && legend.displayMode !== 'hidden',
    tooltip: obj(opts.tooltip).mode !== 'none',
  };
}

interface Row {
  label: string;
  config: FieldConfig;
  spans: StateSpan[];
  looks: StateLook[];
  fillOpacity: number;
  lineWidth: number;
}

function buildRows(frames: DataFrame[], o: StateTimelineOptions, end: number): { rows: Row[]; distinct: Map<string, number> } {
  const rows: Row[] = [];
  const distinct = new Map<string, number>();
  for (const frame of frames) {
    const tf = frame.fields.find((f) => f.type === 'time');
    if (!tf) continue;
    for (const f of frame.fields) {
      if (f === tf || f.type === 'time' || f.type === 'other') continue;
      const custom = obj(f.config.custom);
      if (obj(custom.hideFrom).viz === true) continue;
      const spans = computeSpans(tf.values as number[], f.values, { mergeValues: o.mergeValues, spanNulls: custom.spanNulls === true, end });
      rows.push({
        label: displayName(f, frame),
        config: f.config,
        spans,
        looks: spans.map((s) => stateLook(s.value, f.config, distinct)),
        fillOpacity: typeof custom.fillOpacity === 'number' ? custom.fillOpacity : 70,
        lineWidth: typeof custom.lineWidth === 'number' ? custom.lineWidth : 0,
      });
    }
  }
  return { rows, distinct };
}

/** The state timeline panel renderer. */
export function StateTimelinePanel(props: PanelProps) {
  const { panel, frames, version, width, height, theme, timeZone } = props;
  const opts = useMemo(() => stateTimelineOptions(panel.options), [panel.options]);
  const { rows } = useMemo(() => buildRows(frames, opts, props.timeRange.to), [frames, version, opts, props.timeRange.to]);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  const legendItems = useMemo<LegendItem[]>(() => {
    if (!opts.showLegend) return [];
    const seen = new Map<string, LegendItem>();
    for (const r of rows) {
      const numeric = r.spans.some((s) => typeof s.value === 'number');
      let items = stateLegend(r.config, numeric).map((i) => ({ key: `${i.label}|${i.color}`, label: i.label, color: i.color }));
      if (items.length === 0) items = r.looks.map((l) => ({ key: `${l.text}|${l.color}`, label: l.text, color: l.color }));
      for (const it of items) if (!seen.has(it.key) && seen.size < 30) seen.set(it.key, it);
    }
    return [...seen.values()];
  }, [rows, opts.showLegend]);

  const legendH = legendItems.length ? 28 : 0;
  const plotH = Math.max(10, height - legendH);
  const rowCount = rows.length;
  const labelWidth = Math.min(200, 16 + 7 * Math.max(0, ...rows.map((r) => r.label.length)));
  const live = useRef({ props, opts });
  live.current = { props, opts };
  const tip = useMemo(() => createTooltipController(), []);
  const plotRef = useRef<uPlot | null>(null);
  const timeRangeRef = useRef(props.timeRange);
  timeRangeRef.current = props.timeRange;
  const dataRef = useRef<uPlot.AlignedData>([[0, 1], [null, null]]);
  (dataRef.current[0] as number[])[0] = props.timeRange.from;
  (dataRef.current[0] as number[])[1] = props.timeRange.to;

  const interaction = (): InteractionContext => {
    const p = live.current.props;
    return { panelId: p.panel.id, crosshair: p.crosshair, onZoom: p.onZoom, onHover: (u) => hover(u), onLeave: () => tip.hide() };
  };

  const options = useMemo<PlotOptions>(() => {
    const ct = chartTheme(theme);
    const o: PlotOptions = {
      ms: 1,
      padding: [4, null, 0, null],
      legend: { show: false },
      cursor: { x: true, y: false, points: { show: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => { const tr = timeRangeRef.current; return tr.to > tr.from ? [tr.from, tr.to] : [min, max]; } },
        y: { auto: false, range: () => [0, Math.max(1, rowsRef.current.length)] },
      },
      axes: [
        { scale: 'x', stroke: ct.axisText, font: ct.axisFont, grid: { stroke: ct.grid, width: 1 }, ticks: { stroke: ct.grid, size: 4 }, border: { show: false }, space: 70, values: timeAxisValues(timeZone) },
        {
          scale: 'y',
          stroke: ct.axisText,
          font: ct.axisFont,
          grid: { show: false },
          ticks: { show: false },
          border: { show: false },
          size: labelWidth,
          gap: 8,
          splits: () => rowsRef.current.map((_, i) => rowsRef.current.length - i - 0.5),
          values: (_u, splits) => splits.map((s) => rowsRef.current[Math.round(rowsRef.current.length - s - 0.5)]?.label ?? ''),
        },
      ],
      series: [{}, { scale: 'y', paths: () => null, points: { show: false } }],
      hooks: { draw: [(u) => drawRows(u, rowsRef.current, live.current.opts, ct.font)] },
    };
    const tz = tzDateFn(timeZone);
    if (tz) o.tzDate = tz;
    addInteractions(o, interaction);
    return o;
  }, [theme, timeZone, labelWidth, rowCount]);

  function hover(u: uPlot) {
    const { opts: o, props: p } = live.current;
    const left = u.cursor.left ?? -1;
    const top = u.cursor.top ?? -1;
    const rs = rowsRef.current;
    if (!o.tooltip || left < 0 || top < 0) return tip.hide();
    const r = rs[Math.floor(rs.length - u.posToVal(top, 'y'))];
    const t = u.posToVal(left, 'x');
    const span = r ? spanAt(r.spans, t) : null;
    if (!r || !span) return tip.hide();
    const look = r.looks[r.spans.indexOf(span)];
    const rect = u.over.getBoundingClientRect();
    const dur = span.end - span.start;
    tip.show({
      x: rect.left + left,
      y: rect.top + top,
      body: (
        <>
          <div class="head">{formatDate(span.start, hoverFormat(dur), p.timeZone)}</div>
          <div class="row">
            <span class="pg-swatch box" style={{ background: look.color }} />
            <span class="name">{r.label}</span>
            <span class="val">{look.text}</span>
          </div>
          <div class="row"><span class="name">Duration</span><span class="val">{formatSpan(dur)}</span></div>
        </>
      ),
    });
  }

  useEffect(() => {
    plotRef.current?.setScale('x', { min: props.timeRange.from, max: props.timeRange.to });
  }, [props.timeRange.from, props.timeRange.to]);

  if (rows.length === 0 || rows.every((r) => r.spans.length === 0)) return <div class="panel-notice">No data</div>;

  return (
    <div class="pg-viz legend-bottom" style={{ width: `${width}px`, height: `${height}px` }}>
      <Plot
        options={options}
        data={dataRef.current}
        version={version}
        width={width}
        height={plotH}
        onCreate={(u) => {
          plotRef.current = u;
          attachCrosshair(u, interaction);
        }}
        onDestroy={(u) => {
          detachCrosshair(u);
          if (plotRef.current === u) plotRef.current = null;
        }}
      />
      {legendItems.length > 0 && (
        <Legend items={legendItems} mode="list" placement="bottom" calcs={[]} swatch="box" style={{ height: `${legendH}px`, flex: 'none' }} />
      )}
      <Tooltip controller={tip} />
    </div>
  );
}

/** 1h 2m, 3m 4s, 5s: a span's duration. */
export function formatSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? ` ${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60 ? ` ${m % 60}m` : ''}`;
  const d = Math.floor(h / 24);
  return `${d}d${h % 24 ? ` ${h % 24}h` : ''}`;
}

/** Paints each row's spans, with their text where it fits (or always). */
function drawRows(u: uPlot, rows: Row[], o: StateTimelineOptions, font: string): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const pr = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
  const n = rows.length;
  if (!n) return;
  const slot = height / n;
  const barH = Math.max(1, slot * o.rowHeight);
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.font = `${Math.round(Math.min(14, Math.max(9, barH / pr - 6)) * pr)}px ${font}`;
  ctx.textBaseline = 'middle';
  const pad = 4 * pr;
  rows.forEach((r, ri) => {
    const y = Math.round(top + ri * slot + (slot - barH) / 2);
    const h = Math.round(barH);
    r.spans.forEach((s, si) => {
      const x0 = Math.max(left - 1, Math.round(u.valToPos(s.start, 'x', true)));
      const x1 = Math.min(left + width + 1, Math.round(u.valToPos(s.end, 'x', true)));
      if (x1 < left || x0 > left + width) return;
      const w = Math.max(1, x1 - x0);
      const look = r.looks[si];
      ctx.fillStyle = withAlpha(look.color, r.fillOpacity / 100);
      ctx.fillRect(x0, y, w, h);
      if (r.lineWidth > 0) {
        ctx.lineWidth = r.lineWidth * pr;
        ctx.strokeStyle = look.color;
        ctx.strokeRect(x0 + ctx.lineWidth / 2, y + ctx.lineWidth / 2, w - ctx.lineWidth, h - ctx.lineWidth);
      }
      if (o.showValue === 'never' || !look.text) return;
      const tw = ctx.measureText(look.text).width;
      if (o.showValue === 'auto' && tw + 2 * pad > w) return;
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, y, w, h);
      ctx.clip();
      ctx.fillStyle = contrastText(look.color);
      const vx0 = Math.max(x0, left);
      const vx1 = Math.min(x1, left + width);
      ctx.textAlign = o.alignValue;
      const tx = o.alignValue === 'left' ? vx0 + pad : o.alignValue === 'right' ? vx1 - pad : (vx0 + vx1) / 2;
      ctx.fillText(look.text, tx, y + h / 2);
      ctx.restore();
    });
  });
  ctx.restore();
}
