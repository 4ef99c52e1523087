// `filterByValue` ("Filter data by values"): keep (or drop) the rows whose values match conditions.

import type { DataFrame } from '../frame';
import { fieldName, valueMatcher, type ValueMatcher } from './matchers';
import { asArray, asRecord, asString } from './options';
import type { Transformer } from './types';

interface Condition {
  fieldName: string;
  id: string;
  options: Record<string, unknown>;
}

function conditions(v: unknown): Condition[] {
  const out: Condition[] = [];
  for (const item of asArray(v)) {
    const o = asRecord(item);
    const config = asRecord(o?.config);
    const name = asString(o?.fieldName);
    const id = asString(config?.id);
    if (name !== undefined && id) out.push({ fieldName: name, id, options: asRecord(config?.options) ?? {} });
  }
  return out;
}

/**
 * Options: `filters: [{fieldName, config: {id, options}}]`, `type` (`include` (default) |
 * `exclude`), `match` (`any` (default) | `all`). A condition on a missing field never matches.
 */
export const filterByValue: Transformer = (frames, options) => {
  const conds = conditions(options.filters);
  if (conds.length === 0) return frames;
  const include = options.type !== 'exclude';
  const matchAll = options.match === 'all';

  return frames.map((frame): DataFrame => {
    const byName = new Map<string, number>();
    frame.fields.forEach((f, i) => byName.set(fieldName(f, frame), i));
    const tests: ((row: number) => boolean)[] = conds.map((c) => {
      const index = byName.get(c.fieldName);
      const m: ValueMatcher | undefined = valueMatcher(c.id, c.options);
      if (index === undefined || !m) return () => false;
      const field = frame.fields[index];
      return (row) => m(row, field);
    });
    const keep: number[] = [];
    for (let row = 0; row < frame.length; row++) {
      const hit = matchAll ? tests.every((t) => t(row)) : tests.some((t) => t(row));
      if (hit === include) keep.push(row);
    }
    return {
      ...frame,
      length: keep.length,
      fields: frame.fields.map((f) => ({ ...f, values: keep.map((r) => f.values[r]) })),
    };
  });
};
