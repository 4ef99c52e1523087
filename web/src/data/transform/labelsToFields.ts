// `labelsToFields` ("Labels to fields"): a series' labels become string columns (mode `columns`),
// or one label/value table per series (mode `rows`).

import type { DataFrame, Field } from '../frame';
import { fieldName } from './matchers';
import { asString, asStringArray } from './options';
import type { Transformer } from './types';

function labelsToRows(frames: DataFrame[], keepLabels: string[] | undefined): DataFrame[] {
  const out: DataFrame[] = [];
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (!field.labels) continue;
      const labels = field.labels;
      const keys = keepLabels ?? Object.keys(labels);
      const vals = keys.map((k) => labels[k]);
      if (!vals.length) continue;
      out.push({
        ...frame,
        name: fieldName(field, frame),
        length: vals.length,
        fields: [
          { name: 'label', type: 'string', config: {}, values: [...keys] },
          { name: 'value', type: 'string', config: {}, values: vals },
        ],
      });
    }
  }
  return out;
}

/** Options: `mode` (`columns` | `rows`), `keepLabels` (names; empty keeps all), `valueLabel`. */
export const labelsToFields: Transformer = (frames, options) => {
  const keep = asStringArray(options.keepLabels);
  if (options.mode === 'rows') return labelsToRows(frames, keep.length ? keep : undefined);
  const keepSet = keep.length ? new Set(keep) : undefined;
  const valueLabel = asString(options.valueLabel);

  return frames.map((frame) => {
    const fields: Field[] = [];
    const unique = new Map<string, Set<string>>();
    for (const field of frame.fields) {
      if (!field.labels) {
        fields.push(field);
        continue;
      }
      // Label names in the display name would now repeat the new columns: drop it.
      const { displayName: _dn, displayNameFromDS: _ds, ...config } = field.config;
      const plain: Field = { ...field, config, labels: undefined };
      delete plain.labels;
      fields.push(plain);
      for (const [name, value] of Object.entries(field.labels)) {
        if (keepSet && !keepSet.has(name)) continue;
        if (name === valueLabel) {
          plain.name = value;
          continue;
        }
        let set = unique.get(name);
        if (!set) unique.set(name, (set = new Set()));
        set.add(value);
      }
    }
    for (const [name, values] of unique) {
      for (const value of values) {
        fields.push({ name, type: 'string', config: {}, values: new Array<unknown>(frame.length).fill(value) });
      }
    }
    return { ...frame, fields };
  });
};
