// `sortBy` ("Sort by"): sort each frame's rows by one field (the first entry of `sort`).

import type { DataFrame, Field } from '../frame';
import { fieldName } from './matchers';
import { asArray, asBool, asNumber, asRecord, asString } from './options';
import type { Transformer } from './types';

function compare(a: unknown, b: unknown): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : -1) : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b));
}

/** The rows of `frame` ordered by field `index` (stable; `desc` reverses the ascending order). */
export function sortFrame(frame: DataFrame, index: number, desc = false): DataFrame {
  const key = frame.fields[index];
  if (!key) return frame;
  const rows = Array.from({ length: frame.length }, (_, i) => i);
  rows.sort((a, b) => compare(key.values[a], key.values[b]) || a - b);
  if (desc) rows.reverse();
  const fields: Field[] = frame.fields.map((f) => ({ ...f, values: rows.map((r) => f.values[r]) }));
  return { ...frame, fields };
}

/** Options: `sort: [{field, desc?, index?}]` (display name; only the first entry counts). */
export const sortBy: Transformer = (frames, options) => {
  const first = asRecord(asArray(options.sort)[0]);
  if (!first) return frames;
  const name = asString(first.field);
  const desc = asBool(first.desc) ?? false;
  return frames.map((frame) => {
    const index = asNumber(first.index) ?? frame.fields.findIndex((f) => fieldName(f, frame) === name);
    return index >= 0 ? sortFrame(frame, index, desc) : frame;
  });
};
