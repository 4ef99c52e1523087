// The series legend of uPlot panels, as Grafana draws it: a wrapping list or a table with one
// column per calculation (click a header to sort), below or to the right of the plot.

import { useState } from 'preact/hooks';

/** One legend row. */
export interface LegendItem {
  key: string;
  label: string;
  color: string;
  dashed?: boolean;
  /** Hidden from the plot (dimmed). */
  off?: boolean;
  values?: { calc: string; title: string; value: number | null; text: string }[];
}

export interface LegendProps {
  items: LegendItem[];
  mode: 'list' | 'table';
  placement: 'bottom' | 'right';
  calcs: { calc: string; title: string }[];
  sortBy?: string;
  sortDesc?: boolean;
  /** Without a handler the items are not buttons (e.g. a states legend). */
  onItemClick?(key: string, toggle: boolean): void;
  swatch?: 'line' | 'box';
  style?: Record<string, string | number>;
}

function Swatch(p: { color: string; dashed?: boolean; kind?: 'line' | 'box' }) {
  const cls = `pg-swatch${p.dashed ? ' dashed' : ''}${p.kind === 'box' ? ' box' : ''}`;
  return <span class={cls} style={p.dashed ? { borderTopColor: p.color } : { background: p.color }} />;
}

/** Renders the legend; sorting state for table mode is local. */
export function Legend(props: LegendProps) {
  const [sort, setSort] = useState<{ by?: string; desc: boolean }>({ by: props.sortBy, desc: props.sortDesc ?? false });
  const click = props.onItemClick;
  const onClick = (key: string) => (e: MouseEvent) => click?.(key, e.ctrlKey || e.metaKey);

  let items = props.items;
  if (sort.by) {
    const by = sort.by;
    const val = (it: LegendItem) => it.values?.find((v) => v.title === by || v.calc === by)?.value ?? null;
    items = [...items].sort((a, b) => {
      const x = val(a);
      const y = val(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return sort.desc ? y - x : x - y;
    });
  }
  const label = (it: LegendItem) =>
    click ? (
      <button type="button" data-testid="legend-item" class={`pg-legend-item${it.off ? ' off' : ''}`} onClick={onClick(it.key)} title={it.label}>
        <Swatch color={it.color} dashed={it.dashed} kind={props.swatch} />
        <span>{it.label}</span>
      </button>
    ) : (
      <span data-testid="legend-item" class={`pg-legend-item${it.off ? ' off' : ''}`}>
        <Swatch color={it.color} dashed={it.dashed} kind={props.swatch} />
        <span>{it.label}</span>
      </span>
    );

  if (props.mode === 'table') {
    return (
      <div class="pg-legend" style={props.style}>
        <table class="pg-legend-table">
          <thead>
            <tr>
              <th>Name</th>
              {props.calcs.map((c) => (
                <th
                  key={c.calc}
                  onClick={() => setSort((s) => ({ by: c.calc, desc: s.by === c.calc ? !s.desc : true }))}
                  aria-sort={sort.by === c.calc ? (sort.desc ? 'descending' : 'ascending') : undefined}
                >
                  {c.title}
                  {sort.by === c.calc ? (sort.desc ? ' ↓' : ' ↑') : ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((it) => (
              <tr key={it.key}>
                <td>{label(it)}</td>
                {(it.values ?? []).map((v) => (
                  <td key={v.calc}>{v.text}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <div class="pg-legend" style={props.style}>
      <div class="pg-legend-list">
        {items.map((it) => (
          <span key={it.key} style={{ display: 'inline-flex', gap: '8px', alignItems: 'center' }}>
            {label(it)}
            {(it.values ?? []).map((v) => (
              <span class="pg-legend-item calc" key={v.calc} style={{ cursor: 'default' }}>
                <span class="calc">
                  {v.title}: <b>{v.text}</b>
                </span>
              </span>
            ))}
          </span>
        ))}
      </div>
    </div>
  );
}

/** Pixel size a legend takes: height below the plot, or width beside it (an estimate from text). */
export function legendSize(
  items: { label: string; values?: unknown[] }[],
  mode: 'list' | 'table',
  placement: 'bottom' | 'right',
  width: number,
  height: number,
  calcCount: number,
  fixedWidth?: number,
): number {
  if (items.length === 0) return 0;
  const charW = 7;
  if (placement === 'right') {
    if (fixedWidth) return Math.min(fixedWidth, width * 0.6);
    const longest = Math.max(...items.map((i) => i.label.length));
    const want = 40 + longest * charW + (mode === 'table' ? calcCount * 80 : calcCount * 90);
    return Math.min(Math.max(want, 120), Math.floor(width * 0.5));
  }
  const rowH = 22;
  let rows: number;
  if (mode === 'table') rows = items.length + 1;
  else {
    rows = 1;
    let x = 8;
    for (const it of items) {
      const w = 34 + it.label.length * charW + calcCount * 90;
      if (x + w > width - 8 && x > 8) {
        rows++;
        x = 8;
      }
      x += w;
    }
  }
  return Math.min(rows * rowH + 8, Math.floor(height * (mode === 'table' ? 0.45 : 0.4)));
}
