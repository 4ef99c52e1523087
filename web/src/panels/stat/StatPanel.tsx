// Grafana's stat panel: one big value per field (or row), colored by thresholds, with an optional
// sparkline. A live frame re-runs the reduction (linear in the points) and updates only the
// texts, the colors and the canvases: the layout is kept while the count, the size and the
// longest texts stay the same.

import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import type { PanelProps } from '../types';
import { alignmentFactors, displayValues, isNoData, type DisplayValue } from '../common/display';
import { contrastText, shade } from '../common/color';
import { repeatCells, resolveOrientation } from '../common/layout';
import { NoData } from '../common/NoData';
import { readStatOptions, resolveTextMode, statLayout, type StatLayout, type StatOptions } from './options';
import { drawSparkline, sparklinePoints } from './sparkline';

/** A stable key for a value across live updates. */
export function valueKey(v: DisplayValue): string {
  return `${v.frameIndex}:${v.fieldIndex}:${v.calc ?? ''}:${v.rowIndex ?? ''}`;
}

/** The CSS variable's value on an element (canvas cannot read `var()`). */
function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

interface StatCellProps {
  value: DisplayValue;
  w: number;
  h: number;
  x: number;
  y: number;
  layout: StatLayout;
  options: StatOptions;
  center: boolean;
  timeRange: PanelProps['timeRange'];
  version: number;
  theme: string;
}

function StatCell({ value, w, h, x, y, layout, options, center, timeRange, version, theme }: StatCellProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const mode = options.colorMode;
  const bg = mode === 'background' || mode === 'background_solid';
  const textColor = bg ? contrastText(value.color) : undefined;
  const background =
    mode === 'background'
      ? `linear-gradient(120deg, ${shade(value.color, 0.12)}, ${shade(value.color, -0.12)})`
      : mode === 'background_solid'
        ? value.color
        : undefined;
  const valueColor = mode === 'value' ? value.color : textColor;

  useLayoutEffect(() => {
    const c = canvas.current;
    if (!c || !value.sparkline) return;
    const dpr = window.devicePixelRatio || 1;
    const cw = Math.round(w * dpr);
    const ch = Math.round(layout.graphHeight * dpr);
    if (c.width !== cw) c.width = cw;
    if (c.height !== ch) c.height = ch;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // On a colored background the graph is a lighter tint of that color, as in Grafana.
    const lineColor = bg ? shade(value.color, 0.45) : mode === 'none' ? cssVar(c, '--muted', '#8e8e9e') : value.color;
    const pts = sparklinePoints(value.sparkline.x, value.sparkline.y, w, layout.graphHeight - 2, timeRange, {
      min: value.config.min,
      max: value.config.max,
    });
    for (let i = 0; i < pts.ys.length; i++) pts.ys[i] += 1;
    drawSparkline(ctx, pts, w, layout.graphHeight, lineColor, bg ? 0.3 : 0.2);
  }, [version, w, layout.graphHeight, value.color, mode, timeRange.from, timeRange.to, theme]);

  const label = `${value.title ? `${value.title}: ` : ''}${value.formatted}`;
  const align = center ? 'center' : 'flex-start';
  return (
    <div
      class="vp-cell stat"
      role="img"
      aria-label={label}
      title={label}
      style={{ left: x, top: y, width: w, height: h, background, padding: layout.padding }}
    >
      <div
        class={layout.wide ? 'stat-text wide' : 'stat-text'}
        aria-hidden="true"
        style={{ alignItems: layout.wide ? 'center' : align, textAlign: center ? 'center' : 'left', paddingBottom: layout.graphHeight * 0.7 }}
      >
        {layout.showTitle && (
          <div class="stat-title" style={{ fontSize: layout.titleSize, color: textColor, maxWidth: '100%' }}>
            {value.title}
          </div>
        )}
        {layout.showValue && (
          <div class="stat-value" data-testid="stat-value" style={{ fontSize: layout.valueSize, color: valueColor }}>
            {value.prefix && <span class="unit">{value.prefix}</span>}
            {value.text}
            {value.suffix && <span class="unit">{value.suffix}</span>}
          </div>
        )}
      </div>
      {layout.graphHeight > 0 && value.sparkline && (
        <canvas ref={canvas} class="stat-spark" aria-hidden="true" style={{ width: w, height: layout.graphHeight }} />
      )}
    </div>
  );
}

/** The stat panel renderer. */
export function StatPanel(props: PanelProps) {
  const { panel, frames, width, height, timeRange, timeZone, version, theme } = props;
  const options = useMemo(() => readStatOptions(panel.options), [panel.options]);
  const values = displayValues(frames, options.reduceOptions, {
    sparkline: options.graphMode === 'area',
    timeZone,
    defaults: panel.fieldConfig?.defaults,
  });
  const n = values.length;
  const factors = alignmentFactors(values);
  const textMode = resolveTextMode(options.textMode, n, factors.title);
  const hasGraph = values.some((v) => v.sparkline);
  const grid = useMemo(() => {
    const orientation = resolveOrientation(options.orientation, width, height);
    return repeatCells(n, width, height, { orientation, grid: options.orientation === 'auto', spacing: 8, minWidth: 60, minHeight: 40 });
  }, [n, width, height, options.orientation]);
  // Font sizes depend on the longest texts' lengths only, so they hold still between ticks.
  const titleKey = factors.title.length;
  const valueKey_ = factors.formatted.length;
  const layouts = useMemo(() => {
    const m = new Map<string, StatLayout>();
    return (w: number, h: number) => {
      const k = `${w}x${h}`;
      let l = m.get(k);
      if (!l) {
        l = statLayout(w, h, textMode, hasGraph, factors.title, factors.formatted, options);
        m.set(k, l);
      }
      return l;
    };
  }, [titleKey, valueKey_, textMode, hasGraph, options]);

  if (isNoData(values)) return <NoData text={values[0]?.formatted} />;
  const center = options.justifyMode === 'center' || n === 1;
  return (
    <div class="vp-root">
      <div class="vp-content" style={{ width: grid.width, height: grid.height }}>
        {values.map((v, i) => {
          const c = grid.cells[i];
          return (
            <StatCell
              key={valueKey(v)}
              value={v}
              x={c.x}
              y={c.y}
              w={c.w}
              h={c.h}
              layout={layouts(c.w, c.h)}
              options={options}
              center={center}
              timeRange={timeRange}
              version={version}
              theme={theme}
            />
          );
        })}
      </div>
    </div>
  );
}
