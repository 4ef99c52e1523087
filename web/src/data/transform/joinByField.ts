// `joinByField` ("Join by field") and its older name `seriesToColumns`: one table joined on a field
// (the first time field by default); outer by default.

import { joinByField as join } from '../join';
import { asString } from './options';
import type { Transformer } from './types';

/** Options: `byField` (a field name; default the time field), `mode` (`outer` | `inner`). */
export const joinByFieldTransformer: Transformer = (frames, options) => {
  if (frames.length === 0) return frames;
  const byField = asString(options.byField) || undefined;
  // `outerTabular` differs from `outer` only for duplicate keys; treated as `outer` here.
  const mode = options.mode === 'inner' ? 'inner' : 'outer';
  const joined = join(frames, byField, mode);
  return joined ? [joined] : frames;
};

/** `seriesToColumns`: the legacy id of an outer join. */
export const seriesToColumns: Transformer = (frames, options) =>
  joinByFieldTransformer(frames, { byField: options.byField, mode: 'outer' });
