// `organize` ("Organize fields"): hide fields, reorder them and rename them, in that order, all by
// display name, as Grafana does.

import type { DataFrame, Field } from '../frame';
import { byNames, fieldName } from './matchers';
import { asNumber, asRecord, asString } from './options';
import type { Transformer } from './types';

function excludeFields(frames: DataFrame[], exclude: string[]): DataFrame[] {
  if (exclude.length === 0) return frames;
  const match = byNames(exclude);
  const out: DataFrame[] = [];
  for (const frame of frames) {
    const fields = frame.fields.filter((f) => !match(f, frame, frames));
    if (fields.length) out.push({ ...frame, fields });
  }
  return out;
}

function orderFields(frame: DataFrame, indexByName: Record<string, unknown>): DataFrame {
  const indexOf = (f: Field) => asNumber(indexByName[fieldName(f, frame)]) ?? Number.MAX_SAFE_INTEGER;
  const fields = frame.fields
    .map((f, i) => ({ f, i, at: indexOf(f) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.f);
  return { ...frame, fields };
}

function renameFields(frame: DataFrame, renameByName: Record<string, unknown>): DataFrame {
  const fields = frame.fields.map((f) => {
    const to = asString(renameByName[fieldName(f, frame)]);
    return to ? { ...f, config: { ...f.config, displayName: to } } : f;
  });
  return { ...frame, fields };
}

/** Options: `excludeByName`, `indexByName`, `renameByName` (each keyed by display name). */
export const organize: Transformer = (frames, options) => {
  const excludeByName = asRecord(options.excludeByName) ?? {};
  const indexByName = asRecord(options.indexByName) ?? {};
  const renameByName = asRecord(options.renameByName) ?? {};
  const exclude = Object.keys(excludeByName).filter((k) => excludeByName[k] === true);
  let out = excludeFields(frames, exclude);
  if (Object.keys(indexByName).length) out = out.map((f) => orderFields(f, indexByName));
  if (Object.keys(renameByName).length) out = out.map((f) => renameFields(f, renameByName));
  return out;
};
