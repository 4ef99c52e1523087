// `concatenate` ("Concatenate fields"): every field of every frame side by side in one frame;
// shorter columns are padded with nulls.

import type { Field } from '../frame';
import { asString } from './options';
import type { Transformer } from './types';

/** Options: `frameNameMode` (`field` (default) | `label` | `drop`), `frameNameLabel` (default `frame`). */
export const concatenate: Transformer = (frames, options) => {
  if (frames.length < 2) return frames;
  const mode = asString(options.frameNameMode) ?? 'field';
  const label = asString(options.frameNameLabel) ?? 'frame';
  const length = Math.max(...frames.map((f) => f.length));
  const fields: Field[] = [];
  for (const frame of frames) {
    for (const f of frame.fields) {
      const copy: Field = { ...f };
      if (frame.name) {
        if (mode === 'label') copy.labels = { ...f.labels, [label]: frame.name };
        else if (mode !== 'drop') copy.name = !f.name || f.name === 'Value' ? frame.name : `${frame.name} · ${f.name}`;
      }
      if (f.values.length < length) {
        copy.values = [...f.values, ...new Array<unknown>(length - f.values.length).fill(null)];
      }
      fields.push(copy);
    }
  }
  return [{ fields, length }];
};
