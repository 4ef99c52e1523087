// `filterFieldsByName` ("Filter fields by name"): keep fields whose name is listed or matches a
// pattern (`include`), or drop them (`exclude`). Frames left without fields are dropped.

import type { DataFrame } from '../frame';
import { byNames, byRegexp, type FieldMatcher } from './matchers';
import { asRecord, asString, asStringArray } from './options';
import type { Transformer } from './types';

/** `{names, pattern}` as one matcher (names or pattern), or undefined when both are empty. */
function namesOrPattern(v: unknown): FieldMatcher | undefined {
  const o = asRecord(v);
  if (!o) return undefined;
  const names = asStringArray(o.names);
  const pattern = asString(o.pattern);
  if (!names.length && !pattern) return undefined;
  const byName = names.length ? byNames(names) : undefined;
  const byPattern = pattern ? byRegexp(pattern) : undefined;
  return (f, fr, all) => Boolean(byName?.(f, fr, all) || byPattern?.(f, fr, all));
}

/** Options: `include` and/or `exclude`, each `{names?: string[], pattern?: string}`. */
export const filterFieldsByName: Transformer = (frames, options) => {
  const include = namesOrPattern(options.include);
  const exclude = namesOrPattern(options.exclude);
  if (!include && !exclude) return frames;
  const out: DataFrame[] = [];
  for (const frame of frames) {
    const fields = frame.fields.filter((f) => {
      if (exclude?.(f, frame, frames)) return false;
      return include ? include(f, frame, frames) : true;
    });
    if (fields.length) out.push({ ...frame, fields });
  }
  return out;
};
