// The data model panels draw from: Grafana's data frames (columns of equal length), built from
// the server's series (`{name, labels, t, v}`) and reshaped by transformations.

import type { FieldConfig } from '../api/dashboard';

/** A column's kind. */
export type FieldType = 'time' | 'number' | 'string' | 'boolean' | 'other';

/** One column of a frame. `values` is a plain array that uPlot can read directly. */
export interface Field {
  name: string;
  type: FieldType;
  values: unknown[];
  /** The series labels of a value column (Prometheus-style). */
  labels?: Record<string, string>;
  /** fieldConfig.defaults merged with matching overrides (filled by the panel). */
  config: FieldConfig;
}

/** A table of equal-length columns. */
export interface DataFrame {
  name?: string;
  refId?: string;
  fields: Field[];
  /** Rows in every field. */
  length: number;
}

/** A series as the server sends it on the WebSocket and from `/api/ds/query`. */
export interface Series {
  name: string;
  labels?: Record<string, string>;
  t: number[];
  v: (number | null)[];
  refId?: string;
}

/** The frame of one series: a `Time` column and a value column named after the series. */
export function seriesToFrame(s: Series): DataFrame {
  return {
    name: s.name,
    refId: s.refId,
    length: s.t.length,
    fields: [
      { name: 'Time', type: 'time', values: s.t, config: {} },
      { name: s.name || 'Value', type: 'number', values: s.v, labels: s.labels ?? {}, config: {} },
    ],
  };
}

/** Grafana's display name of a value field: `name{a="1", b="2"}`, or the name alone. */
export function displayName(field: Field, frame?: DataFrame): string {
  if (field.config.displayName) return field.config.displayName;
  const labels = field.labels ?? {};
  const keys = Object.keys(labels);
  if (keys.length === 0) return field.name || frame?.name || 'Value';
  const inner = keys.map((k) => `${k}="${labels[k]}"`).join(', ');
  const base = field.name && field.name !== 'Value' ? field.name : '';
  return `${base}{${inner}}`;
}
