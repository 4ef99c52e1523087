// Grafana's bar gauge panel: one bar per value in gradient, lcd or basic mode, horizontal bars
// stacked or vertical bars side by side, with the name and the value placed as Grafana does.

import { useMemo } from 'preact/hooks';
import type { PanelProps } from '../types';
import { alignmentFactors, displayValues, isNoData, type DisplayValue } from '../common/display';
import { withAlpha } from '../common/color';
import { repeatCells, resolveOrientation } from '../common/layout';
import { NoData } from '../common/NoData';
import { barCellLayout, cssGradient, gradientStops, lcdCells, readBarGaugeOptions, type BarCellLayout, type BarGaugeOptions, type Box } from './bars';

const boxStyle = (b: Box) => ({ position: 'absolute' as const, left: b.x, top: b.y, width: b.w, height: b.h });

/** What a bar needs of a value. */
export type BarValue = Pick<DisplayValue, 'percent' | 'thresholds' | 'min' | 'max' | 'color' | 'config'>;

/** The bar itself (unfilled track, fill or lcd cells) in its box. */
export function Bar({ v, box, vertical, opts }: { v: BarValue; box: Box; vertical: boolean; opts: Pick<BarGaugeOptions, 'displayMode' | 'showUnfilled'> }) {
  const track = opts.showUnfilled ? 'var(--hover)' : undefined;
  if (opts.displayMode === 'lcd') {
    const length = vertical ? box.h : box.w;
    const thickness = vertical ? box.w : box.h;
    const cells = lcdCells(length, thickness, v.percent, v.thresholds, v.min, v.max, v.color);
    return (
      <div style={{ ...boxStyle(box), display: 'flex', flexDirection: vertical ? 'column-reverse' : 'row', gap: 2 }}>
        {cells.map((c, i) => (
          <div
            key={i}
            style={{
              flex: 1,
              borderRadius: 2,
              background: c.lit ? c.color : opts.showUnfilled ? withAlpha(c.color, 0.15) : 'transparent',
              boxShadow: c.lit ? `0 0 4px ${withAlpha(c.color, 0.6)}` : undefined,
            }}
          />
        ))}
      </div>
    );
  }
  const fillSize = `${(v.percent * 100).toFixed(3)}%`;
  const fill =
    opts.displayMode === 'gradient'
      ? cssGradient(
          gradientStops(v.thresholds, v.min, v.max, v.percent, v.color, (v.config.color?.mode ?? 'thresholds') === 'thresholds'),
          vertical ? 'to top' : 'to right',
        )
      : withAlpha(v.color, 0.35);
  const edge = opts.displayMode === 'basic' ? `2px solid ${v.color}` : undefined;
  return (
    <div style={{ ...boxStyle(box), background: track, borderRadius: 3, overflow: 'hidden' }}>
      <div
        style={{
          position: 'absolute',
          left: 0,
          bottom: 0,
          width: vertical ? '100%' : fillSize,
          height: vertical ? fillSize : '100%',
          background: fill,
          borderRight: vertical ? undefined : edge,
          borderTop: vertical ? edge : undefined,
          boxSizing: 'border-box',
        }}
      />
    </div>
  );
}

function BarCell({ v, x, y, w, h, layout, opts }: { v: DisplayValue; x: number; y: number; w: number; h: number; layout: BarCellLayout; opts: BarGaugeOptions }) {
  const label = `${v.title ? `${v.title}: ` : ''}${v.formatted}`;
  const textAlign = layout.vertical ? 'center' : undefined;
  return (
    <div class="vp-cell" role="img" aria-label={label} title={label} style={{ left: x, top: y, width: w, height: h }}>
      {layout.name && (
        <div
          class="bargauge-name"
          aria-hidden="true"
          style={{ ...boxStyle(layout.name), fontSize: layout.titleSize, textAlign, display: 'flex', alignItems: layout.vertical ? 'flex-start' : 'center', justifyContent: layout.vertical ? 'center' : undefined }}
        >
          {v.title}
        </div>
      )}
      <Bar v={v} box={layout.bar} vertical={layout.vertical} opts={opts} />
      {layout.value && (
        <div
          class="bargauge-value"
          aria-hidden="true"
          style={{
            ...boxStyle(layout.value),
            fontSize: layout.valueSize,
            color: opts.valueMode === 'color' ? v.color : 'var(--text)',
            display: 'flex',
            alignItems: layout.vertical ? 'flex-end' : 'center',
            justifyContent: layout.vertical ? 'center' : 'flex-end',
          }}
        >
          {v.formatted}
        </div>
      )}
    </div>
  );
}

/** The bar gauge panel renderer. */
export function BarGaugePanel(props: PanelProps) {
  const { panel, frames, width, height, timeZone } = props;
  const opts = useMemo(() => readBarGaugeOptions(panel.options), [panel.options]);
  const values = displayValues(frames, opts.reduceOptions, { timeZone, defaults: panel.fieldConfig?.defaults });
  const n = values.length;
  const orientation = resolveOrientation(opts.orientation, width, height);
  const vertical = orientation === 'vertical';
  const grid = useMemo(
    () =>
      repeatCells(n, width, height, {
        orientation,
        spacing: opts.displayMode === 'lcd' ? 2 : 10,
        minWidth: vertical ? opts.minVizWidth : undefined,
        minHeight: vertical ? undefined : opts.minVizHeight,
        maxHeight: vertical ? undefined : opts.maxVizHeight,
      }),
    [n, width, height, orientation, opts],
  );
  if (isNoData(values)) return <NoData text={values[0]?.formatted} />;
  const f = alignmentFactors(values);
  const hasName = f.title !== '';
  return (
    <div class="vp-root">
      <div class="vp-content" style={{ width: grid.width, height: grid.height }}>
        {values.map((v, i) => {
          const c = grid.cells[i];
          const layout = barCellLayout(c.w, c.h, vertical, opts, f.title, f.formatted, hasName);
          return (
            <BarCell key={`${v.frameIndex}:${v.fieldIndex}:${v.calc ?? ''}:${v.rowIndex ?? ''}`} v={v} x={c.x} y={c.y} w={c.w} h={c.h} layout={layout} opts={opts} />
          );
        })}
      </div>
    </div>
  );
}
