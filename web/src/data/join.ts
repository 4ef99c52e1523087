// Joins frames on one field (time by default) into a single frame with one sorted key column:
// uPlot needs one shared x array, and the seriesToColumns/joinByField transformations need a table.

import type { DataFrame, Field } from './frame';
import { displayName } from './frame';

/** `outer`: every key of any frame (missing values are null); `inner`: keys found in every frame. */
export type JoinMode = 'outer' | 'inner';

/** The index of the join field: the named field (name or display name), or the first time field. */
function joinFieldIndex(frame: DataFrame, fieldName?: string): number {
  if (fieldName) {
    return frame.fields.findIndex((f) => f.name === fieldName || displayName(f, frame) === fieldName);
  }
  return frame.fields.findIndex((f) => f.type === 'time');
}

function strictlyAscending(values: unknown[]): boolean {
  for (let i = 1; i < values.length; i++) {
    const a = values[i - 1];
    const b = values[i];
    if (typeof a !== 'number' || typeof b !== 'number' || !(a < b)) return false;
  }
  return values.length === 0 || typeof values[0] === 'number';
}

function sameValues(a: unknown[], b: unknown[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** A value field as it appears in the joined frame (Grafana names a bare `Value` after its frame). */
function joinedField(field: Field, frame: DataFrame, values: unknown[]): Field {
  const bare = field.name === 'Value' && frame.name && !(field.labels && Object.keys(field.labels).length);
  return { ...field, name: bare ? (frame.name as string) : field.name, values };
}

interface Source {
  frame: DataFrame;
  key: number;
}

/** Numeric keys that are strictly ascending in every frame: merge them, then walk each frame once. */
function mergeSorted(sources: Source[], mode: JoinMode): { keys: number[]; rows: Int32Array[] } {
  let total = 0;
  for (const s of sources) total += s.frame.fields[s.key].values.length;
  const all = new Float64Array(total);
  let n = 0;
  for (const s of sources) for (const v of s.frame.fields[s.key].values) all[n++] = v as number;
  all.sort();
  const counts: number[] = [];
  const unique: number[] = [];
  for (let i = 0; i < all.length; i++) {
    if (i > 0 && all[i] === all[i - 1]) counts[counts.length - 1]++;
    else {
      unique.push(all[i]);
      counts.push(1);
    }
  }
  const keys = mode === 'inner' ? unique.filter((_, i) => counts[i] === sources.length) : unique;
  const rows = sources.map((s) => {
    const xs = s.frame.fields[s.key].values as number[];
    const idx = new Int32Array(keys.length).fill(-1);
    let j = 0;
    for (let i = 0; i < keys.length && j < xs.length; i++) {
      while (j < xs.length && xs[j] < keys[i]) j++;
      if (j < xs.length && xs[j] === keys[i]) idx[i] = j++;
    }
    return idx;
  });
  return { keys, rows };
}

/** Any keys (strings, unsorted, duplicates): index each frame by key; the last duplicate wins. */
function mergeByMap(sources: Source[], mode: JoinMode): { keys: unknown[]; rows: Int32Array[] } {
  const seen = new Map<unknown, number>();
  const maps = sources.map((s) => {
    const m = new Map<unknown, number>();
    const xs = s.frame.fields[s.key].values;
    for (let i = 0; i < xs.length; i++) if (xs[i] != null) m.set(xs[i], i);
    for (const k of m.keys()) seen.set(k, (seen.get(k) ?? 0) + 1);
    return m;
  });
  const keys = [...seen.keys()].filter((k) => mode === 'outer' || seen.get(k) === sources.length);
  keys.sort(compareKeys);
  const rows = maps.map((m) => {
    const idx = new Int32Array(keys.length).fill(-1);
    for (let i = 0; i < keys.length; i++) idx[i] = m.get(keys[i]) ?? -1;
    return idx;
  });
  return { keys, rows };
}

/**
 * Join `frames` on `fieldName` (default: each frame's first time field), sorted by the key. The
 * result has the join field first, then every other field of every frame, in order, null where a
 * frame has no row for a key. Frames without the join field are left out; undefined when none has it.
 */
export function joinByField(frames: DataFrame[], fieldName?: string, mode: JoinMode = 'outer'): DataFrame | undefined {
  const sources: Source[] = [];
  for (const frame of frames) {
    const key = joinFieldIndex(frame, fieldName);
    if (key >= 0) sources.push({ frame, key });
  }
  if (sources.length === 0) return undefined;

  const first = sources[0];
  const firstKeys = first.frame.fields[first.key].values;
  const fields: Field[] = [];

  // Fast path: every frame shares the same ascending x values (live series of one query).
  if (strictlyAscending(firstKeys) && sources.every((s) => sameValues(s.frame.fields[s.key].values, firstKeys))) {
    fields.push({ ...first.frame.fields[first.key], values: firstKeys.slice() });
    for (const s of sources) {
      s.frame.fields.forEach((f, i) => {
        if (i !== s.key) fields.push(joinedField(f, s.frame, f.values.slice()));
      });
    }
    return result(frames, sources, fields, firstKeys.length);
  }

  const numericSorted = sources.every((s) => strictlyAscending(s.frame.fields[s.key].values));
  const { keys, rows } = numericSorted ? mergeSorted(sources, mode) : mergeByMap(sources, mode);
  fields.push({ ...first.frame.fields[first.key], values: keys as unknown[] });
  sources.forEach((s, si) => {
    const idx = rows[si];
    s.frame.fields.forEach((f, i) => {
      if (i === s.key) return;
      const src = f.values;
      const out = new Array<unknown>(keys.length);
      for (let r = 0; r < keys.length; r++) {
        const j = idx[r];
        out[r] = j >= 0 ? src[j] : null;
      }
      fields.push(joinedField(f, s.frame, out));
    });
  });
  return result(frames, sources, fields, keys.length);
}

function result(frames: DataFrame[], sources: Source[], fields: Field[], length: number): DataFrame {
  // A single frame keeps its identity; a join of several is a new table.
  if (frames.length === 1 && sources.length === 1) {
    return { ...sources[0].frame, fields, length };
  }
  return { fields, length };
}
