// Grafana's pie chart panel, simply: an SVG pie or donut of the reduced values with optional slice
// labels, and a list or table legend on the right or at the bottom. (It lives under common/ for
// now; it moves to panels/piechart/ when that folder has an owner.)

import { useMemo } from 'preact/hooks';
import type { PanelProps } from '../../types';
import type { DataFrame } from '../../../data/frame';
import { displayValues, isNoData } from '../display';
import { NoData } from '../NoData';
import { labelPoint, pieSlices, readPieOptions, slicePath } from './pie';

/** Grafana's pie chart colors series by the classic palette unless the field says otherwise. */
function withPaletteDefault(frames: DataFrame[]): DataFrame[] {
  return frames.map((f) => ({
    ...f,
    fields: f.fields.map((fl) => (fl.config.color?.mode ? fl : { ...fl, config: { ...fl.config, color: { mode: 'palette-classic' } } })),
  }));
}

const pct = (share: number) => `${(share * 100).toFixed(0)}%`;

/** The pie chart panel renderer. */
export function PieChartPanel({ panel, frames, width, height, timeZone }: PanelProps) {
  const opts = useMemo(() => readPieOptions(panel.options), [panel.options]);
  const values = displayValues(withPaletteDefault(frames), opts.reduceOptions, { timeZone, defaults: panel.fieldConfig?.defaults });
  if (isNoData(values)) return <NoData text={values[0]?.formatted} />;
  const slices = pieSlices(values.map((v) => v.numeric));
  if (slices.length === 0) return <NoData />;
  const share = new Map(slices.map((s) => [s.index, s.share]));
  const legendRight = opts.legend.placement === 'right';
  const legendW = opts.legend.show && legendRight ? Math.min(width * 0.4, 220) : 0;
  const legendH = opts.legend.show && !legendRight ? Math.min(height * 0.35, 24 + values.length * 18) : 0;
  const w = Math.max(10, width - legendW - 16);
  const h = Math.max(10, height - legendH - 16);
  const r = Math.max(4, Math.min(w, h) / 2 - 4);
  const inner = opts.pieType === 'donut' ? r * 0.6 : 0;
  const cx = w / 2;
  const cy = h / 2;
  const labelR = inner ? (r + inner) / 2 : r * 0.65;
  const fontSize = Math.max(9, Math.min(14, r / 8));
  const summary = values.map((v, i) => `${v.title}: ${v.formatted} (${pct(share.get(i) ?? 0)})`).join(', ');

  return (
    <div class={legendRight ? 'pie' : 'pie bottom'}>
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={summary}>
        {slices.map((s) => {
          const v = values[s.index];
          return (
            <path key={s.index} d={slicePath(cx, cy, r, inner, s.start, s.end)} fill={v.color} stroke="var(--panel-bg)" stroke-width="1">
              <title>{`${v.title}: ${v.formatted} (${pct(s.share)})`}</title>
            </path>
          );
        })}
        {opts.displayLabels.length > 0 &&
          slices
            .filter((s) => s.share >= 0.04)
            .map((s) => {
              const v = values[s.index];
              const [x, y] = labelPoint(cx, cy, labelR, s);
              const parts = opts.displayLabels.map((l) => (l === 'name' ? v.title : l === 'value' ? v.formatted : pct(s.share)));
              return (
                <text key={s.index} x={x} y={y} font-size={fontSize} text-anchor="middle" dominant-baseline="middle" aria-hidden="true">
                  {parts.map((p, i) => (
                    <tspan key={i} x={x} dy={i === 0 ? `${-(parts.length - 1) * 0.6}em` : '1.2em'}>
                      {p}
                    </tspan>
                  ))}
                </text>
              );
            })}
      </svg>
      {opts.legend.show &&
        (opts.legend.displayMode === 'table' ? (
          <div class="pie-legend" style={legendRight ? { width: legendW } : { maxHeight: legendH }}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  {opts.legend.values.map((c) => (
                    <th key={c} scope="col">
                      {c === 'value' ? 'Value' : 'Percent'}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {values.map((v, i) => (
                  <tr key={i}>
                    <th scope="row" style={{ fontWeight: 'normal' }}>
                      <span class="swatch" style={{ background: v.color, display: 'inline-block', marginRight: 6 }} />
                      {v.title}
                    </th>
                    {opts.legend.values.map((c) => (
                      <td key={c}>{c === 'value' ? v.formatted : pct(share.get(i) ?? 0)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <ul class="pie-legend" style={legendRight ? { width: legendW } : undefined}>
            {values.map((v, i) => (
              <li key={i}>
                <span class="swatch" style={{ background: v.color }} />
                <span>{v.title}</span>
                {opts.legend.values.includes('value') && <span class="muted">{v.formatted}</span>}
                {opts.legend.values.includes('percent') && <span class="muted">{pct(share.get(i) ?? 0)}</span>}
              </li>
            ))}
          </ul>
        ))}
    </div>
  );
}
