// `calculateField` ("Add field from calculation"): a new number column computed per row (reduce
// row, binary or unary operation, cumulative sum/mean, row index). Time series frames are first
// joined on time, as Grafana does, so one row holds every series' value at that instant.

import type { DataFrame, Field } from '../frame';
import { joinByField } from '../join';
import { reduceValue, reducerName } from './calc';
import { byNames, fieldName, type FieldMatcher } from './matchers';
import { asBool, asRecord, asString, asStringArray } from './options';
import type { Transformer } from './types';

/** One side of a binary operation: a field (by display name) or a fixed number. */
interface Operand {
  fixed?: string;
  field?: string;
  type?: string;
}

/** Grafana's binary operators. A null side gives null (a gap), not JavaScript's `null + 1 === 1`. */
const BINARY: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '^': (a, b) => a ** b,
};

const UNARY: Record<string, (a: number) => number> = {
  abs: Math.abs,
  exp: Math.exp,
  ln: Math.log,
  floor: Math.floor,
  ceil: Math.ceil,
};

/** The old string form (`"A"` or `"2"`) and the new `{fixed}` / `{matcher}` form, read as one. */
function operand(v: unknown, names: Set<string>): Operand {
  if (typeof v === 'string') {
    if (Number.isNaN(Number(v)) || names.has(v)) return { field: v };
    return { fixed: v };
  }
  const o = asRecord(v) ?? {};
  const matcher = asRecord(o.matcher);
  if (matcher) {
    const opt = asString(matcher.options) ?? '';
    return matcher.id === 'byType' ? { type: opt } : { field: opt };
  }
  return { fixed: asString(o.fixed) ?? (typeof o.fixed === 'number' ? String(o.fixed) : undefined) };
}

function operandLabel(o: Operand): string {
  return o.field ?? o.type ?? o.fixed ?? '';
}

function operandValues(frame: DataFrame, o: Operand): unknown[] | undefined {
  if (o.field !== undefined) {
    const f = frame.fields.find((x) => fieldName(x, frame) === o.field);
    if (f) return f.type === 'boolean' ? f.values.map((v) => (v ? 1 : 0)) : f.values;
  }
  const n = parseFloat(o.fixed ?? o.field ?? '');
  return Number.isNaN(n) ? undefined : new Array<unknown>(frame.length).fill(n);
}

function applyBinary(op: (a: number, b: number) => number, left: unknown[], right: unknown[]): unknown[] {
  const out = new Array<unknown>(left.length);
  for (let i = 0; i < left.length; i++) {
    const a = left[i];
    const b = right[i];
    out[i] = typeof a === 'number' && typeof b === 'number' ? op(a, b) : null;
  }
  return out;
}

/** The output name Grafana gives when there is no alias. */
function defaultName(mode: string, o: Record<string, unknown>): string {
  switch (mode) {
    case 'binary': {
      const b = asRecord(o.binary) ?? {};
      const names = new Set<string>();
      const label = `${operandLabel(operand(b.left, names))} ${asString(b.operator) ?? '+'} ${operandLabel(operand(b.right, names))}`;
      return label.replace(/\$/g, '');
    }
    case 'unary': {
      const u = asRecord(o.unary) ?? {};
      const name = asString(u.fieldName);
      return `${asString(u.operator) ?? 'abs'}${name ? `(${name})` : ''}`;
    }
    case 'cumulativeFunctions': {
      const c = asRecord(o.cumulative) ?? {};
      const name = asString(c.field);
      return `cumulative ${asString(c.reducer) ?? 'sum'}${name ? `(${name})` : ''}`;
    }
    case 'index':
      return 'Row';
    case 'reduceRow':
      return reducerName(asString(asRecord(o.reduce)?.reducer) ?? 'sum') ?? 'math';
    default:
      return 'math';
  }
}

/** Frames that all have a time field of the same name are joined on it (Grafana's ensureColumns). */
function ensureColumns(frames: DataFrame[]): DataFrame[] {
  if (frames.length < 2) return frames;
  const names = frames.map((f) => f.fields.find((x) => x.type === 'time')?.name);
  if (!names[0] || names.some((n) => n !== names[0])) return frames;
  const joined = joinByField(frames, names[0], 'outer');
  return joined ? [joined] : frames;
}

type Creator = (frame: DataFrame, frames: DataFrame[]) => unknown[] | undefined;

function reduceRowCreator(o: Record<string, unknown>): Creator {
  const r = asRecord(o.reduce) ?? {};
  const reducer = asString(r.reducer) ?? 'sum';
  const include = asStringArray(r.include);
  const nullMode = r.nullValueMode === 'ignore' ? 'ignore' : r.nullValueMode === 'null as zero' ? 'zero' : 'null';
  const match: FieldMatcher = include.length ? byNames(include) : (f) => f.type === 'number';
  return (frame, frames) => {
    const cols = frame.fields.filter((f) => match(f, frame, frames)).map((f) => f.values);
    const out = new Array<unknown>(frame.length);
    const row = new Array<unknown>(cols.length);
    for (let i = 0; i < frame.length; i++) {
      for (let j = 0; j < cols.length; j++) row[j] = cols[j][i];
      out[i] = reduceValue(row, reducer, nullMode, true);
    }
    return out;
  };
}

function cumulativeCreator(o: Record<string, unknown>): Creator {
  const c = asRecord(o.cumulative) ?? {};
  const reducer = asString(c.reducer) ?? 'sum';
  const name = asString(c.field);
  return (frame) => {
    const field = frame.fields.find((f) => (name ? f.name === name || fieldName(f, frame) === name : f.type === 'number'));
    if (!field || (reducer !== 'sum' && reducer !== 'mean')) return undefined;
    let total = 0;
    return field.values.map((v, i) => {
      total += typeof v === 'number' ? v : 0;
      return reducer === 'sum' ? total : total / (i + 1);
    });
  };
}

/** Binary with a `byType` left side: one new field per field of that type. */
function binaryByType(frames: DataFrame[], o: Record<string, unknown>, left: Operand, right: Operand): DataFrame[] {
  const b = asRecord(o.binary) ?? {};
  const opId = asString(b.operator) ?? '+';
  const op = BINARY[opId];
  const replace = asBool(o.replaceFields) ?? false;
  const out: DataFrame[] = [];
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === 'time');
    const fields: Field[] = time && o.timeSeries !== false ? [time] : [];
    let added = false;
    for (const field of frame.fields) {
      if (!replace && field !== time) fields.push(field);
      if (field.type !== left.type || !op) continue;
      const rightValues = operandValues(frame, right);
      if (!rightValues) continue;
      fields.push({
        ...field,
        name: `${field.name} ${opId} ${operandLabel(right)}`,
        values: applyBinary(op, field.values, rightValues),
      });
      added = true;
    }
    if (replace && !added) continue;
    out.push({ ...frame, fields });
  }
  return out;
}

/**
 * Options: `mode` (`reduceRow` (default) | `binary` | `unary` | `cumulativeFunctions` | `index`),
 * `reduce: {reducer, include?}`, `binary: {left, operator, right}`, `unary: {operator, fieldName}`,
 * `cumulative: {field?, reducer}`, `index: {asPercentile?}`, `alias`, `replaceFields`,
 * `timeSeries` (false: do not join frames on time).
 */
export const calculateField: Transformer = (input, o) => {
  const mode = asString(o.mode) ?? 'reduceRow';
  const replace = asBool(o.replaceFields) ?? false;
  const alias = asString(o.alias);
  const name = alias || defaultName(mode, o);
  const binary = asRecord(o.binary) ?? {};
  const names = new Set(input.flatMap((f) => f.fields.map((x) => x.name)));
  const right = operand(binary.right, names);
  const rightIsFixed = mode === 'binary' && right.fixed !== undefined;
  const frames = o.timeSeries !== false && !rightIsFixed ? ensureColumns(input) : input;

  if (mode === 'index') {
    const pct = asBool(asRecord(o.index)?.asPercentile) ?? false;
    return frames.map((frame) => {
      const values = Array.from({ length: frame.length }, (_, i) => (pct ? i / frame.length : i));
      const f: Field = { name: alias || 'Row', type: 'number', values, config: pct ? { unit: 'percentunit' } : {} };
      return { ...frame, fields: replace ? [f] : [...frame.fields, f] };
    });
  }

  let creator: Creator | undefined;
  if (mode === 'reduceRow') creator = reduceRowCreator(o);
  else if (mode === 'cumulativeFunctions') creator = cumulativeCreator(o);
  else if (mode === 'unary') {
    const u = asRecord(o.unary) ?? {};
    const op = UNARY[asString(u.operator) ?? 'abs'];
    const target = asString(u.fieldName) ?? '';
    creator = (frame) => {
      const f = frame.fields.find((x) => x.type === 'number' && fieldName(x, frame) === target);
      if (!f || !op || !f.values.length) return undefined;
      return f.values.map((v) => (typeof v === 'number' ? op(v) : null));
    };
  } else if (mode === 'binary') {
    const left = operand(binary.left, names);
    if (left.type) return binaryByType(frames, o, left, right);
    const op = BINARY[asString(binary.operator) ?? '+'];
    creator = (frame) => {
      const l = operandValues(frame, left);
      const r = operandValues(frame, right);
      return l && r && op ? applyBinary(op, l, r) : undefined;
    };
  }
  if (!creator) return frames;

  const out: DataFrame[] = [];
  for (const frame of frames) {
    const values = creator(frame, frames);
    if (!values) {
      if (!replace) out.push(frame);
      continue;
    }
    const field: Field = { name, type: 'number', config: {}, values };
    const time = frame.fields.find((f) => f.type === 'time');
    const fields = replace ? (time && o.timeSeries !== false ? [time, field] : [field]) : [...frame.fields, field];
    out.push({ ...frame, fields });
  }
  return out;
};
