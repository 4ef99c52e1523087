// `filterByRefId` ("Filter data by query refId"): keep the frames of some queries.

import { refIdMatcher } from './matchers';
import { asString } from './options';
import type { Transformer } from './types';

/** Options: `include` and/or `exclude`: a refId, `A|B`, or a `/regexp/`. */
export const filterByRefId: Transformer = (frames, options) => {
  const inc = asString(options.include);
  const exc = asString(options.exclude);
  if (!inc && !exc) return frames;
  const include = inc ? refIdMatcher(inc) : undefined;
  const exclude = exc ? refIdMatcher(exc) : undefined;
  return frames.filter((f) => !exclude?.(f) && (include ? include(f) : true));
};
