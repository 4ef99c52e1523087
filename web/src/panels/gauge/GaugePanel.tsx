// Grafana's gauge panel: an SVG arc per value, filled to the value in its threshold color, with
// the threshold band around it (showThresholdMarkers) and the step values (showThresholdLabels).

import { useMemo } from 'preact/hooks';
import type { PanelProps } from '../types';
import { alignmentFactors, displayValues, isNoData, readReduceOptions, type DisplayValue } from '../common/display';
import { fitFontSize, repeatCells, resolveOrientation } from '../common/layout';
import { formatValue } from '../common/lib';
import { NoData } from '../common/NoData';
import { angleAt, arcPath, gaugeGeometry, polar, thresholdBands } from './geometry';

/** Grafana's gauge options with their defaults. */
export function readGaugeOptions(o: Record<string, unknown> | undefined) {
  const text = (o?.text ?? {}) as Record<string, unknown>;
  return {
    reduceOptions: readReduceOptions(o),
    showThresholdMarkers: o?.showThresholdMarkers !== false,
    showThresholdLabels: o?.showThresholdLabels === true,
    orientation: (o?.orientation as string) ?? 'auto',
    minVizWidth: typeof o?.minVizWidth === 'number' ? o.minVizWidth : 75,
    minVizHeight: typeof o?.minVizHeight === 'number' ? o.minVizHeight : 75,
    titleSize: typeof text.titleSize === 'number' ? text.titleSize : undefined,
    valueSize: typeof text.valueSize === 'number' ? text.valueSize : undefined,
  };
}

type GaugeOptions = ReturnType<typeof readGaugeOptions>;

function Gauge({ v, w, h, x, y, opts, showTitle, longestTitle, longestValue }: {
  v: DisplayValue; w: number; h: number; x: number; y: number; opts: GaugeOptions; showTitle: boolean; longestTitle: string; longestValue: string;
}) {
  const titleSize = showTitle ? (opts.titleSize ?? fitFontSize(longestTitle, w - 8, Math.max(10, h * 0.1), 9, 24)) : 0;
  const titleH = showTitle ? Math.ceil(titleSize * 1.3) : 0;
  const gh = Math.max(10, h - titleH);
  const g = useMemo(
    () => gaugeGeometry(w, gh, opts.showThresholdMarkers, opts.showThresholdLabels, longestValue),
    [w, gh, opts.showThresholdMarkers, opts.showThresholdLabels, longestValue.length],
  );
  const bands = opts.showThresholdMarkers ? thresholdBands(v.thresholds, v.min, v.max) : [];
  const end = angleAt(v.percent);
  const start = angleAt(0);
  const label = `${v.title ? `${v.title}: ` : ''}${v.formatted}`;
  const span = v.max - v.min;
  const labels = opts.showThresholdLabels
    ? [
        { value: v.min },
        ...v.thresholds.filter((s) => Number.isFinite(s.value) && s.value > v.min && s.value < v.max),
        { value: v.max },
      ]
    : [];
  return (
    <div class="vp-cell gauge" role="img" aria-label={label} title={label} style={{ left: x, top: y, width: w, height: h }}>
      {showTitle && (
        <div class="gauge-title" aria-hidden="true" style={{ fontSize: titleSize, height: titleH }}>
          {v.title}
        </div>
      )}
      <svg width={w} height={gh} viewBox={`0 0 ${w} ${gh}`} aria-hidden="true">
        {bands.map((b, i) => (
          <path
            key={i}
            d={arcPath(g.cx, g.cy, g.bandR, angleAt(b.from), angleAt(b.to))}
            stroke={b.color}
            stroke-width={g.bandWidth}
            fill="none"
          />
        ))}
        <path class="track" d={arcPath(g.cx, g.cy, g.r, start, angleAt(1))} stroke-width={g.thickness} fill="none" />
        {v.percent > 0 && (
          <path d={arcPath(g.cx, g.cy, g.r, start, Math.max(end, start + 0.5))} stroke={v.color} stroke-width={g.thickness} fill="none" />
        )}
        {labels.map((s, i) => {
          const p = span > 0 ? (s.value - v.min) / span : 0;
          const [lx, ly] = polar(g.cx, g.cy, g.labelR, angleAt(p));
          return (
            <text key={i} class="tick-label" x={lx} y={ly} font-size={g.labelSize} text-anchor="middle" dominant-baseline="middle">
              {formatValue(s.value, v.config.unit, v.config.decimals).text}
            </text>
          );
        })}
        <text
          x={g.cx}
          y={g.cy}
          font-size={opts.valueSize ?? g.valueSize}
          font-weight="500"
          text-anchor="middle"
          dominant-baseline="middle"
          fill={v.color}
        >
          {v.formatted}
        </text>
      </svg>
    </div>
  );
}

/** The gauge panel renderer. */
export function GaugePanel(props: PanelProps) {
  const { panel, frames, width, height, timeZone } = props;
  const opts = useMemo(() => readGaugeOptions(panel.options), [panel.options]);
  const values = displayValues(frames, opts.reduceOptions, { timeZone, defaults: panel.fieldConfig?.defaults });
  const n = values.length;
  const grid = useMemo(() => {
    const orientation = resolveOrientation(opts.orientation, width, height);
    return repeatCells(n, width, height, {
      orientation, grid: opts.orientation === 'auto', spacing: 8, minWidth: opts.minVizWidth, minHeight: opts.minVizHeight,
    });
  }, [n, width, height, opts]);
  if (isNoData(values)) return <NoData text={values[0]?.formatted} />;
  const f = alignmentFactors(values);
  const showTitle = n > 1 || !!values[0].config.displayName;
  return (
    <div class="vp-root">
      <div class="vp-content" style={{ width: grid.width, height: grid.height }}>
        {values.map((v, i) => {
          const c = grid.cells[i];
          return (
            <Gauge
              key={`${v.frameIndex}:${v.fieldIndex}:${v.calc ?? ''}:${v.rowIndex ?? ''}`}
              v={v} x={c.x} y={c.y} w={c.w} h={c.h} opts={opts} showTitle={showTitle}
              longestTitle={f.title} longestValue={f.formatted}
            />
          );
        })}
      </div>
    </div>
  );
}
