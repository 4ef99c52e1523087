// Grafana's table panel: the first frame (or the one picked below the table) as a real <table>,
// sortable by a header click, with per-column widths, alignment and cell types, a footer, and
// only the rows in view rendered so that 10,000 rows scroll smoothly.

import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PanelProps } from '../types';
import { NoData } from '../common/NoData';
import { Bar } from '../bargauge/BarGaugePanel';
import { cellView } from './cells';
import {
  columnWidths,
  footerCells,
  frameLabel,
  initialSort,
  nextSort,
  readTableOptions,
  ROW_HEIGHTS,
  sortedRows,
  tableColumns,
  visibleRows,
  type Column,
  type SortState,
} from './model';

const SELECTOR_HEIGHT = 38;

function Cell({ col, raw, width, rowHeight, timeZone }: { col: Column; raw: unknown; width: number; rowHeight: number; timeZone: string }) {
  const view = cellView(col, raw, timeZone);
  const style = { textAlign: col.align, color: view.color, background: view.background };
  if (view.gauge) {
    const showText = col.cell.valueDisplayMode !== 'hidden';
    const textW = showText ? Math.min(80, width * 0.4) : 0;
    const barW = Math.max(10, width - 16 - textW - (showText ? 6 : 0));
    const barH = Math.max(6, Math.round(rowHeight * 0.45));
    return (
      <td style={style}>
        <div class="cell-gauge" title={view.text}>
          <div style={{ position: 'relative', width: barW, height: barH, flex: 'none' }}>
            <Bar v={view.gauge} box={{ x: 0, y: 0, w: barW, h: barH }} vertical={false} opts={{ displayMode: col.cell.mode, showUnfilled: true }} />
          </div>
          {showText && (
            <span style={{ color: col.cell.valueDisplayMode === 'color' ? view.gauge.color : undefined, width: textW, textAlign: 'right', overflow: 'hidden', textOverflow: 'ellipsis' }}>
              {view.text}
            </span>
          )}
        </div>
      </td>
    );
  }
  return (
    <td style={style} class={col.cell.type === 'json-view' ? 'cell-json' : undefined} title={view.text.length > 20 ? view.text : undefined}>
      {view.text}
    </td>
  );
}

/** The table panel renderer. */
export function TablePanel(props: PanelProps) {
  const { panel, frames, width, height, timeZone, version } = props;
  const opts = useMemo(() => readTableOptions(panel.options), [panel.options]);
  const [picked, setPicked] = useState<number | undefined>(undefined);
  const frameIndex = Math.max(0, Math.min(frames.length - 1, picked ?? opts.frameIndex));
  const frame = frames[frameIndex];
  const columns = useMemo(() => (frame ? tableColumns(frame) : []), [frame, version]);
  const [userSort, setUserSort] = useState<SortState | undefined>(undefined);
  const sort = userSort === undefined ? initialSort(columns, opts.sortBy) : userSort;
  const rows = useMemo(() => (frame ? sortedRows(frame, sort) : []), [frame, version, sort?.col, sort?.desc]);

  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const pending = useRef(0);
  const onScroll = () => {
    if (pending.current) return;
    pending.current = requestAnimationFrame(() => {
      pending.current = 0;
      if (scroller.current) setScrollTop(scroller.current.scrollTop);
    });
  };
  useLayoutEffect(() => () => cancelAnimationFrame(pending.current), []);

  if (!frame || columns.length === 0) return <NoData />;

  const rowHeight = ROW_HEIGHTS[opts.cellHeight];
  const multi = frames.length > 1;
  const headerH = opts.showHeader ? rowHeight : 0;
  const footerH = opts.footer.show ? rowHeight : 0;
  const viewport = height - (multi ? SELECTOR_HEIGHT : 0) - headerH - footerH;
  const { start, end } = visibleRows(scrollTop, viewport, rowHeight, rows.length);
  const widths = columnWidths(columns, Math.max(0, width - 12));
  const tableWidth = widths.reduce((a, b) => a + b, 0);
  const footer = opts.footer.show ? footerCells(frame, columns, opts.footer, timeZone) : [];
  const spacer = (h: number) => (
    <tr aria-hidden="true" style={{ height: h }}>
      <td colSpan={columns.length} style={{ padding: 0, border: 0 }} />
    </tr>
  );

  return (
    <div class="vt">
      <div class="vt-scroll" ref={scroller} onScroll={onScroll}>
        {rows.length === 0 && !opts.showHeader ? (
          <NoData />
        ) : (
          <table style={{ width: tableWidth }} aria-label={panel.title || 'Table'} aria-rowcount={rows.length + 1 + (footer.length ? 1 : 0)}>
            <colgroup>
              {widths.map((w, i) => (
                <col key={i} style={{ width: w }} />
              ))}
            </colgroup>
            {opts.showHeader && (
              <thead>
                <tr aria-rowindex={1} style={{ height: rowHeight }}>
                  {columns.map((c) => {
                    const dir = sort?.col === c.index ? (sort.desc ? 'descending' : 'ascending') : 'none';
                    return (
                      <th key={c.index} scope="col" aria-sort={dir} style={{ textAlign: c.align }}>
                        <button type="button" onClick={() => setUserSort(nextSort(sort, c.index))} title={`Sort by ${c.header}`}>
                          <span>{c.header}</span>
                          {dir !== 'none' && <span aria-hidden="true">{dir === 'descending' ? '↓' : '↑'}</span>}
                        </button>
                      </th>
                    );
                  })}
                </tr>
              </thead>
            )}
            <tbody>
              {start > 0 && spacer(start * rowHeight)}
              {rows.slice(start, end).map((r, i) => (
                <tr key={r} aria-rowindex={start + i + 2} style={{ height: rowHeight }}>
                  {columns.map((c, ci) => (
                    <Cell key={c.index} col={c} raw={c.field.values[r]} width={widths[ci]} rowHeight={rowHeight} timeZone={timeZone} />
                  ))}
                </tr>
              ))}
              {end < rows.length && spacer((rows.length - end) * rowHeight)}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={columns.length} class="muted" style={{ textAlign: 'center', height: rowHeight }}>
                    No data
                  </td>
                </tr>
              )}
            </tbody>
            {footer.length > 0 && (
              <tfoot>
                <tr style={{ height: rowHeight }}>
                  {footer.map((t, i) => (
                    <td key={i} style={{ textAlign: columns[i].align }}>
                      {t}
                    </td>
                  ))}
                </tr>
              </tfoot>
            )}
          </table>
        )}
      </div>
      {multi && (
        <div class="vt-frames" style={{ height: SELECTOR_HEIGHT }}>
          <select
            aria-label="Frame"
            value={String(frameIndex)}
            onChange={(e) => {
              setPicked(Number((e.currentTarget as HTMLSelectElement).value));
              setUserSort(undefined);
              setScrollTop(0);
              if (scroller.current) scroller.current.scrollTop = 0;
            }}
          >
            {frames.map((f, i) => (
              <option key={i} value={String(i)}>
                {frameLabel(f, i)}
              </option>
            ))}
          </select>
        </div>
      )}
    </div>
  );
}
