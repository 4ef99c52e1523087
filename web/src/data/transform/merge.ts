// `merge` ("Merge series/tables"): table results of several queries as one table. Fields are
// matched by name; rows whose shared fields hold the same values become one row.

import type { Field } from '../frame';
import type { Transformer } from './types';

type Row = Record<string, unknown>;

/** Rows merge when no field present (non-null) in both holds different values. */
function mergeable(existing: Row, row: Row): boolean {
  for (const k of Object.keys(row)) {
    const e = existing[k];
    if (e === undefined || e === null) continue;
    if (e !== row[k]) return false;
  }
  return true;
}

/** No options. One frame, or frames sharing no field, are returned as they are. */
export const merge: Transformer = (frames) => {
  if (frames.length <= 1) return frames;
  const data = frames.filter((f) => f.fields.length > 0);
  if (data.length === 0) return [frames[0]];

  const columns: Field[] = [];
  const indexByName = new Map<string, Map<number, number>>();
  data.forEach((frame, fi) => {
    frame.fields.forEach((field, i) => {
      let byFrame = indexByName.get(field.name);
      if (!byFrame) {
        indexByName.set(field.name, (byFrame = new Map()));
        const { displayName: _dn, ...config } = field.config;
        const col: Field = { ...field, config, values: [] };
        delete col.labels;
        columns.push(col);
      }
      if (!byFrame.has(fi)) byFrame.set(fi, i);
    });
  });
  const keyNames = [...indexByName.keys()].filter((n) => indexByName.get(n)?.size === data.length);
  if (keyNames.length === 0) return frames;

  const byKey = new Map<string, Row[]>();
  const order: { key: string; index: number }[] = [];
  data.forEach((frame, fi) => {
    const own = [...indexByName.entries()].filter(([, m]) => m.has(fi)).map(([n, m]) => [n, m.get(fi) as number] as const);
    const keyIdx = keyNames.map((n) => indexByName.get(n)?.get(fi) as number);
    for (let r = 0; r < frame.length; r++) {
      const key = JSON.stringify(keyIdx.map((i) => frame.fields[i].values[r] ?? null));
      const row: Row = {};
      for (const [n, i] of own) row[n] = frame.fields[i].values[r];
      const rows = byKey.get(key);
      if (!rows) {
        byKey.set(key, [row]);
        order.push({ key, index: 0 });
        continue;
      }
      let merged = false;
      for (let i = 0; i < rows.length; i++) {
        if (!mergeable(rows[i], row)) continue;
        rows[i] = { ...rows[i], ...row };
        merged = true;
      }
      if (!merged) {
        rows.push(row);
        order.push({ key, index: rows.length - 1 });
      }
    }
  });

  for (const { key, index } of order) {
    const row = byKey.get(key)?.[index];
    if (!row) continue;
    for (const col of columns) col.values.push(row[col.name] ?? null);
  }
  return [{ fields: columns, length: order.length }];
};
