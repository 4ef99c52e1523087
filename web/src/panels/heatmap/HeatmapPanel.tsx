// Grafana's heatmap panel on uPlot: cells come from `bucket.ts` (pre-bucketed or calculated),
// colors from `colors.ts`; uPlot supplies the time axis, cursor, crosshair and drag-to-zoom,
// and a draw hook paints the cells. Live data recomputes the cells and calls setData only.

import { useEffect, useMemo, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { addInteractions, attachCrosshair, detachCrosshair, type InteractionContext } from '../../components/uplot/interactions';
import { Plot, type PlotOptions } from '../../components/uplot/Plot';
import { formatNumber } from '../../components/uplot/shared';
import { chartTheme, contrastText } from '../../components/uplot/theme';
import { formatDate, hoverFormat, timeAxisValues, tzDateFn } from '../../components/uplot/timeAxis';
import { createTooltipController, Tooltip } from '../../components/uplot/Tooltip';
import '../../components/uplot/uplot.css';
import type { PanelProps } from '../types';
import { bucketedCells, calculateCells, rowRange, type CalculateOptions, type HeatmapCells } from './bucket';
import { colorIndex, heatmapPalette, type HeatmapColorOptions } from './colors';

/** The heatmap options this panel reads, defaults applied. */
export interface HeatmapOptions {
  calculate: boolean;
  calculation: CalculateOptions;
  color: HeatmapColorOptions;
  cellGap: number;
  cellValues: { unit?: string; decimals?: number | null };
  yAxis: { axisPlacement: 'left' | 'right' | 'hidden'; unit?: string; decimals?: number | null; reverse: boolean; min?: number; max?: number; axisLabel?: string };
  rowsLayout?: string;
  showLegend: boolean;
  tooltip: boolean;
  showValue: 'auto' | 'always' | 'never';
  /** Cells with a count at or below this are not drawn (Grafana's filterValues.le). */
  hideBelow: number;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** panel.options of a heatmap, with Grafana's defaults. */
export function heatmapOptions(options: Record<string, unknown> | undefined, fieldUnit?: string): HeatmapOptions {
  const o = options ?? {};
  const y = obj(o.yAxis);
  const tooltip = obj(o.tooltip);
  const filter = obj(o.filterValues);
  const place = y.axisPlacement === 'right' || y.axisPlacement === 'hidden' ? y.axisPlacement : 'left';
  return {
    calculate: o.calculate === true,
    calculation: obj(o.calculation) as CalculateOptions,
    color: { mode: 'scheme', scheme: 'Oranges', scale: 'exponential', exponent: 0.5, steps: 64, ...(obj(o.color) as HeatmapColorOptions) },
    cellGap: typeof o.cellGap === 'number' ? o.cellGap : 1,
    cellValues: obj(o.cellValues) as HeatmapOptions['cellValues'],
    yAxis: {
      axisPlacement: place, unit: (y.unit as string | undefined) ?? fieldUnit, decimals: y.decimals as number | undefined,
      reverse: y.reverse === true, min: typeof y.min === 'number' ? y.min : undefined, max: typeof y.max === 'number' ? y.max : undefined,
      axisLabel: typeof y.axisLabel === 'string' ? y.axisLabel : undefined,
    },
    rowsLayout: obj(o.rowsFrame).layout as string | undefined,
    showLegend: obj(o.legend).show !== false,
    tooltip: tooltip.mode !== 'none' && tooltip.show !== false,
    showValue: o.showValue === 'always' || o.showValue === 'never' ? o.showValue : 'auto',
    hideBelow: typeof filter.le === 'number' ? filter.le : 1e-9,
  };
}

function lowerBound(arr: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The heatmap panel renderer. */
export function HeatmapPanel(props: PanelProps) {
  const { panel, frames, version, width, height, theme, timeZone } = props;
  const fieldUnit = frames[0]?.fields.find((f) => f.type === 'number')?.config.unit;
  const opts = useMemo(() => heatmapOptions(panel.options, fieldUnit), [panel.options, fieldUnit]);
  const cells = useMemo(
    () => (opts.calculate ? calculateCells(frames, opts.calculation, props.timeRange) : bucketedCells(frames, opts.rowsLayout)),
    [frames, version, opts, props.timeRange.from, props.timeRange.to],
  );
  const palette = useMemo(() => heatmapPalette(opts.color, theme), [opts.color, theme]);

  const cellsRef = useRef<HeatmapCells | null>(cells);
  cellsRef.current = cells;
  const live = useRef({ props, opts, palette });
  live.current = { props, opts, palette };
  const dataRef = useRef<uPlot.AlignedData>([[0, 1], [null, null]]);
  const data = dataRef.current;
  if (cells && cells.xStart.length) {
    (data[0] as number[])[0] = cells.xStart[0];
    (data[0] as number[])[1] = cells.xEnd[cells.xEnd.length - 1];
  }

  const legendH = opts.showLegend ? 24 : 0;
  const plotH = Math.max(10, height - legendH);
  const tip = useMemo(() => createTooltipController(), []);
  const plotRef = useRef<uPlot | null>(null);
  const timeRangeRef = useRef(props.timeRange);
  timeRangeRef.current = props.timeRange;
  const ordinal = cells?.ordinal ?? true;
  const logBase = opts.calculate && opts.calculation.yBuckets?.scale?.type === 'log' ? (opts.calculation.yBuckets.scale.log === 10 ? 10 : 2) : 0;

  const interaction = (): InteractionContext => {
    const p = live.current.props;
    return { panelId: p.panel.id, crosshair: p.crosshair, onZoom: p.onZoom, onHover: (u) => hover(u), onLeave: () => tip.hide() };
  };

  const options = useMemo<PlotOptions>(() => {
    const ct = chartTheme(theme);
    const y = opts.yAxis;
    const o: PlotOptions = {
      ms: 1,
      padding: [8, null, 0, null],
      legend: { show: false },
      cursor: { x: true, y: false, points: { show: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => { const tr = timeRangeRef.current; return tr.to > tr.from ? [tr.from, tr.to] : [min, max]; } },
        y: {
          auto: false,
          dir: y.reverse ? -1 : 1,
          distr: logBase ? 3 : 1,
          log: logBase === 10 ? 10 : 2,
          range: () => {
            const c = cellsRef.current;
            if (!c) return [0, 1];
            const lo = y.min ?? c.yBounds[0];
            const hi = y.max ?? c.yBounds[c.rows];
            return [lo, hi > lo ? hi : lo + 1];
          },
        },
      },
      axes: [
        { scale: 'x', stroke: ct.axisText, font: ct.axisFont, grid: { show: false }, ticks: { stroke: ct.grid, size: 4 }, border: { show: false }, space: 70, values: timeAxisValues(timeZone) },
        {
          scale: 'y',
          show: y.axisPlacement !== 'hidden',
          side: y.axisPlacement === 'right' ? 1 : 3,
          stroke: ct.axisText,
          font: ct.axisFont,
          grid: { show: false },
          ticks: { show: false },
          border: { show: false },
          label: y.axisLabel,
          labelFont: ct.axisFont,
          size: 60,
          space: 20,
          ...(ordinal
            ? {
                splits: (u: uPlot) => {
                  const c = cellsRef.current;
                  if (!c?.yNames) return [];
                  const every = Math.max(1, Math.ceil((c.rows * 18) / Math.max(1, u.bbox.height / (devicePixelRatio || 1))));
                  const off = c.yLayout === 'le' ? 1 : c.yLayout === 'ge' ? 0 : 0.5;
                  const s: number[] = [];
                  for (let i = 0; i < c.rows; i += every) s.push(i + off);
                  return s;
                },
                values: (_u: uPlot, splits: number[]) => {
                  const c = cellsRef.current;
                  const off = c?.yLayout === 'le' ? 1 : c?.yLayout === 'ge' ? 0 : 0.5;
                  return splits.map((s) => {
                    const name = c?.yNames?.[Math.round(s - off)] ?? '';
                    const n = Number(name);
                    return name !== '' && Number.isFinite(n) && y.unit ? formatNumber(n, y.unit, y.decimals) : name;
                  });
                },
              }
            : { values: (_u: uPlot, splits: number[]) => splits.map((v) => formatNumber(v, y.unit, y.decimals)) }),
        },
      ],
      series: [{}, { scale: 'y', paths: () => null, points: { show: false } }],
      hooks: { draw: [(u) => drawCells(u, cellsRef.current, live.current.palette, live.current.opts)] },
    };
    const tz = tzDateFn(timeZone);
    if (tz) o.tzDate = tz;
    addInteractions(o, interaction);
    return o;
  }, [opts, theme, timeZone, ordinal, logBase]);

  function hover(u: uPlot) {
    const c = cellsRef.current;
    const { opts: o, props: p } = live.current;
    const left = u.cursor.left ?? -1;
    const top = u.cursor.top ?? -1;
    if (!c || !o.tooltip || left < 0 || top < 0) return tip.hide();
    const t = u.posToVal(left, 'x');
    const yv = u.posToVal(top, 'y');
    const xi = lowerBound(c.xStart, t);
    if (xi < 0 || t >= c.xEnd[xi]) return tip.hide();
    const yi = c.ordinal ? Math.floor(yv) : lowerBound(c.yBounds, yv);
    if (yi < 0 || yi >= c.rows) return tip.hide();
    const count = c.counts[xi * c.rows + yi];
    const [lo, hi] = rowRange(c, yi);
    const fmtY = (s: string) => {
      const n = Number(s);
      return s !== '' && Number.isFinite(n) ? formatNumber(n, o.yAxis.unit, o.yAxis.decimals) : s;
    };
    const range = c.xEnd[xi] - c.xStart[xi];
    const rect = u.over.getBoundingClientRect();
    tip.show({
      x: rect.left + left,
      y: rect.top + top,
      body: (
        <>
          <div class="head">
            {formatDate(c.xStart[xi], hoverFormat(range), p.timeZone)} – {formatDate(c.xEnd[xi], 'HH:mm:ss', p.timeZone)}
          </div>
          <div class="row"><span class="name">Bucket</span><span class="val">{c.ordinal && c.yLayout === 'unknown' ? lo : `${fmtY(lo)} – ${fmtY(hi)}`}</span></div>
          <div class="row"><span class="name">Count</span><span class="val">{formatNumber(count, o.cellValues.unit, o.cellValues.decimals) || '0'}</span></div>
        </>
      ),
    });
  }

  useEffect(() => {
    plotRef.current?.setScale('x', { min: props.timeRange.from, max: props.timeRange.to });
  }, [props.timeRange.from, props.timeRange.to]);

  if (!cells || cells.xStart.length === 0 || cells.rows === 0) return <div class="panel-notice">No data</div>;

  const cmin = opts.color.min ?? cells.min;
  const cmax = opts.color.max ?? cells.max;
  const stops = palette.filter((_, i) => i % Math.max(1, Math.floor(palette.length / 16)) === 0 || i === palette.length - 1);
  return (
    <div class="pg-viz legend-bottom" style={{ width: `${width}px`, height: `${height}px` }}>
      <Plot
        options={options}
        data={data}
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
      {opts.showLegend && (
        <div class="pg-colorscale" style={{ height: `${legendH}px` }}>
          <span>{formatNumber(cmin, opts.cellValues.unit, opts.cellValues.decimals) || '0'}</span>
          <span class="bar" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
          <span>{formatNumber(cmax, opts.cellValues.unit, opts.cellValues.decimals) || '0'}</span>
        </div>
      )}
      <Tooltip controller={tip} />
    </div>
  );
}

/** Paints the cells (grouped by color to limit canvas state changes) and, where they fit, counts. */
function drawCells(u: uPlot, c: HeatmapCells | null, palette: string[], o: HeatmapOptions): void {
  if (!c) return;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const pr = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
  const gap = Math.max(0, o.cellGap) * pr;
  const min = o.color.min ?? c.min;
  const max = o.color.max ?? c.max;
  const steps = palette.length;
  const byColor: number[][] = Array.from({ length: steps }, () => []);
  const ys = new Float64Array(c.rows + 1);
  for (let y = 0; y <= c.rows; y++) ys[y] = u.valToPos(c.yBounds[y], 'y', true);
  for (let x = 0; x < c.xStart.length; x++) {
    const x0 = u.valToPos(c.xStart[x], 'x', true);
    const x1 = u.valToPos(c.xEnd[x], 'x', true);
    if (x1 < left || x0 > left + width) continue;
    for (let y = 0; y < c.rows; y++) {
      const n = c.counts[x * c.rows + y];
      if (!(n > o.hideBelow)) continue;
      byColor[colorIndex(n, min, max, steps, o.color)].push(x, y);
    }
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  const rectOf = (x: number, y: number) => {
    const x0 = u.valToPos(c.xStart[x], 'x', true);
    const x1 = u.valToPos(c.xEnd[x], 'x', true);
    const ya = ys[y];
    const yb = ys[y + 1];
    const rx = Math.round(Math.min(x0, x1));
    const ry = Math.round(Math.min(ya, yb));
    return [rx, ry, Math.max(1, Math.round(Math.abs(x1 - x0)) - gap), Math.max(1, Math.round(Math.abs(yb - ya)) - gap)];
  };
  for (let k = 0; k < steps; k++) {
    const list = byColor[k];
    if (!list.length) continue;
    ctx.fillStyle = palette[k];
    for (let i = 0; i < list.length; i += 2) {
      const [rx, ry, rw, rh] = rectOf(list[i], list[i + 1]);
      ctx.fillRect(rx, ry, rw, rh);
    }
  }
  if (o.showValue !== 'never') {
    ctx.font = `${11 * pr}px ${chartTheme(document.documentElement.dataset.theme === 'light' ? 'light' : 'dark').font}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let k = 0; k < steps; k++) {
      for (let i = 0; i < byColor[k].length; i += 2) {
        const x = byColor[k][i];
        const y = byColor[k][i + 1];
        const [rx, ry, rw, rh] = rectOf(x, y);
        const text = formatNumber(c.counts[x * c.rows + y], o.cellValues.unit, o.cellValues.decimals);
        if (o.showValue === 'auto' && (rh < 12 * pr || ctx.measureText(text).width + 4 * pr > rw)) continue;
        ctx.fillStyle = contrastText(palette[k]);
        ctx.fillText(text, rx + rw / 2, ry + rh / 2);
      }
    }
  }
  ctx.restore();
}
