// `reduce` ("Reduce"): each series reduced to single values, either one row per field with a
// column per reducer (`seriesToRows`: "Field", "Last *", "Max"...) or the same fields with one row
// each (`reduceFields`).

import type { DataFrame, Field } from '../frame';
import { reduceValues, reducerName, resolveReducerId } from './calc';
import { fieldMatcher, fieldName, typeOfValue, typeOfValues, type FieldMatcher } from './matchers';
import { asBool, asRecord, asString, asStringArray } from './options';
import type { Transformer } from './types';

function seriesToRowsMode(frames: DataFrame[], match: FieldMatcher, reducers: string[], labelsToFields: boolean): DataFrame[] {
  const labelKeys: string[] = [];
  if (labelsToFields) {
    const seen = new Set<string>();
    for (const frame of frames) for (const f of frame.fields) for (const k of Object.keys(f.labels ?? {})) seen.add(k);
    labelKeys.push(...seen);
  }
  const names: unknown[] = [];
  const labels: unknown[][] = labelKeys.map(() => []);
  const calcs: unknown[][] = reducers.map(() => []);
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (!match(field, frame, frames)) continue;
      const numeric = field.type === 'number' || field.type === 'time';
      const results = reduceValues(field.values, reducers, 'ignore', numeric);
      if (labelsToFields) {
        names.push(field.name);
        labelKeys.forEach((k, i) => labels[i].push(field.labels?.[k] ?? null));
      } else {
        names.push(fieldName(field, frame));
      }
      reducers.forEach((id, i) => calcs[i].push(results[id] ?? null));
    }
  }
  if (frames.length === 0) return [];
  const fields: Field[] = [
    { name: 'Field', type: 'string', config: {}, values: names },
    ...labelKeys.map((k, i): Field => ({ name: k, type: 'string', config: {}, values: labels[i] })),
    ...reducers.map((id, i): Field => {
      const t = typeOfValues(calcs[i]);
      return { name: reducerName(id) ?? id, type: t, config: {}, values: calcs[i] };
    }),
  ];
  return [{ ...frames[0], name: undefined, fields, length: names.length }];
}

function reduceFieldsMode(frames: DataFrame[], match: FieldMatcher, reducers: string[]): DataFrame[] {
  const out: DataFrame[] = [];
  for (const frame of frames) {
    const fields: Field[] = [];
    for (const field of frame.fields) {
      if (!match(field, frame, frames)) continue;
      const numeric = field.type === 'number' || field.type === 'time';
      const results = reduceValues(field.values, reducers, 'ignore', numeric);
      for (const id of reducers) {
        const value = results[id] ?? null;
        const copy: Field = { ...field, type: typeOfValue(value), values: [value] };
        if (reducers.length > 1) copy.labels = { ...field.labels, reducer: reducerName(id) ?? id };
        fields.push(copy);
      }
    }
    if (fields.length) out.push({ ...frame, fields, length: 1 });
  }
  return out;
}

/**
 * Options: `reducers` (ids), `mode` (`seriesToRows` (default) | `reduceFields`), `includeTimeField`
 * (reduceFields only), `labelsToFields` (seriesToRows: labels as columns), `fields` (a matcher).
 */
export const reduce: Transformer = (frames, options) => {
  const reducers = [...new Set(asStringArray(options.reducers).map(resolveReducerId))].filter(
    (r): r is string => r !== undefined,
  );
  if (reducers.length === 0) return frames;
  const mode = asString(options.mode) === 'reduceFields' ? 'reduceFields' : 'seriesToRows';
  const fieldsCfg = asRecord(options.fields);
  let match: FieldMatcher = (f) => f.type !== 'time';
  const custom = fieldsCfg ? fieldMatcher(asString(fieldsCfg.id) ?? '', fieldsCfg.options) : undefined;
  if (custom) match = custom;
  else if (asBool(options.includeTimeField) && mode === 'reduceFields') match = () => true;
  if (mode === 'reduceFields') return reduceFieldsMode(frames, match, reducers);
  return seriesToRowsMode(frames, match, reducers, asBool(options.labelsToFields) ?? false);
};

