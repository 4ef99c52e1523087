// `groupBy` ("Group by"): rows grouped by the values of some fields, other fields aggregated per
// group into columns named "<field> (<reducer>)", e.g. "Value (mean)".

import type { DataFrame, Field } from '../frame';
import { reduceValue } from './calc';
import { fieldName, typeOfValues } from './matchers';
import { asRecord, asStringArray } from './options';
import type { Transformer } from './types';

/** Options: `fields: {<display name>: {operation: 'groupby' | 'aggregate', aggregations: [ids]}}`. */
export const groupBy: Transformer = (frames, options) => {
  const config = asRecord(options.fields) ?? {};
  const op = (name: string) => asRecord(config[name])?.operation;
  const aggregations = (name: string) => asStringArray(asRecord(config[name])?.aggregations);
  if (!Object.keys(config).some((k) => op(k) === 'groupby')) return frames;

  const out: DataFrame[] = [];
  for (const frame of frames) {
    const names = frame.fields.map((f) => fieldName(f));
    const keyFields = frame.fields.filter((_, i) => op(names[i]) === 'groupby');
    if (keyFields.length === 0) continue; // Grafana drops frames without a group-by field

    // Row indexes of each group, in order of first appearance.
    const groups = new Map<string, number[]>();
    for (let row = 0; row < frame.length; row++) {
      const key = keyFields.map((f) => String(f.values[row])).join('\u0000');
      const rows = groups.get(key);
      if (rows) rows.push(row);
      else groups.set(key, [row]);
    }
    const groupRows = [...groups.values()];

    const fields: Field[] = keyFields.map((f) => ({
      name: f.name,
      type: f.type,
      config: { ...f.config },
      values: groupRows.map((rows) => f.values[rows[0]]),
    }));
    frame.fields.forEach((f, i) => {
      const name = names[i];
      const aggs = aggregations(name);
      if (op(name) !== 'aggregate' || aggs.length === 0) return;
      const numeric = f.type === 'number' || f.type === 'time';
      for (const agg of aggs) {
        const values = groupRows.map((rows) =>
          reduceValue(
            rows.map((r) => f.values[r]),
            agg,
            'ignore',
            numeric,
          ),
        );
        const keepsType = ['first', 'firstNotNull', 'last', 'lastNotNull'].includes(agg);
        const guessed = values.some((v) => v != null) ? typeOfValues(values) : 'string';
        const type = agg === 'allIsNull' ? 'boolean' : keepsType ? f.type : guessed;
        fields.push({ name: `${name} (${agg})`, type, config: {}, values });
      }
    });
    out.push({ fields, length: groupRows.length });
  }
  return out;
};
