// What one table cell shows: its text (unit, decimals, mappings, time format) and its colors by
// the column's cell type.

import { absoluteSteps, formatFieldValue, type DisplayValue } from '../common/display';
import { contrastText, shade } from '../common/color';
import type { Column } from './model';

/** A cell ready to render. */
export interface CellView {
  text: string;
  color?: string;
  background?: string;
  /** For gauge cells: what the bar needs. */
  gauge?: Pick<DisplayValue, 'percent' | 'color' | 'min' | 'max' | 'thresholds' | 'config' | 'formatted' | 'title'>;
}

/** The view of the cell at `raw` in column `col`. */
export function cellView(col: Column, raw: unknown, timeZone: string): CellView {
  const type = col.cell.type;
  if (type === 'json-view') {
    let text: string;
    try {
      text = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? '';
    } catch {
      text = String(raw);
    }
    return { text };
  }
  const d = formatFieldValue(raw, col.field, col.range, { timeZone, name: col.header });
  const empty = raw == null;
  switch (type) {
    case 'color-text':
      return { text: d.formatted, color: empty ? undefined : d.color };
    case 'color-background':
      if (empty) return { text: d.formatted };
      return {
        text: d.formatted,
        color: contrastText(d.color),
        background: col.cell.mode === 'basic' ? d.color : `linear-gradient(120deg, ${shade(d.color, 0.15)}, ${d.color})`,
      };
    case 'gauge':
      return {
        text: d.formatted,
        gauge: {
          percent: d.percent,
          color: d.color,
          min: col.range.min,
          max: col.range.max,
          thresholds: absoluteSteps(col.field.config, col.range.min, col.range.max),
          config: col.field.config,
          formatted: d.formatted,
          title: col.header,
        },
      };
    default:
      return { text: d.formatted };
  }
}
