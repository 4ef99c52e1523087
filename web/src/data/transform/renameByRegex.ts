// `renameByRegex` ("Rename by regex"): new display names from a regexp replacement.

import { fieldName, tryRegex } from './matchers';
import { asString } from './options';
import type { Transformer } from './types';

/** Options: `regex` (plain text is anchored; `/re/flags` as written), `renamePattern` (`$1`...). */
export const renameByRegex: Transformer = (frames, options) => {
  const re = tryRegex(asString(options.regex));
  const pattern = asString(options.renamePattern) ?? '';
  if (!re) return frames;
  return frames.map((frame) => ({
    ...frame,
    fields: frame.fields.map((f) => {
      const name = fieldName(f, frame);
      if (!re.test(name)) return f;
      return { ...f, config: { ...f.config, displayName: name.replace(re, pattern) } };
    }),
  }));
};
