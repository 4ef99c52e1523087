// Grafana's matchers, shared by transformations and field overrides: which fields a name, regexp,
// type, refId or reduced value selects; which frames a refId selects; which rows a value filter keeps.

import { parseRegex } from '../../lib/regex';
import type { DataFrame, Field, FieldType } from '../frame';
import { displayName } from '../frame';
import { reduceValue } from './calc';
import { asNumber, asRecord, asString, asStringArray } from './options';

/** Selects fields; `frame` is the field's frame, `frames` all frames of the panel. */
export type FieldMatcher = (field: Field, frame: DataFrame, frames: DataFrame[]) => boolean;

/**
 * Grafana's `stringToJsRegex`: `/re/flags` is a regexp; any other text is a regexp anchored at both
 * ends. Throws on an invalid pattern.
 */
export function stringToRegex(pattern: string): RegExp {
  if (pattern[0] === '/' && !/^\/(.*)\/([gimsuy]*)$/s.test(pattern)) {
    throw new Error(`'${pattern}' is not a valid regular expression`);
  }
  const re = parseRegex(pattern);
  if (!re) throw new Error(`'${pattern}' is not a valid regular expression`);
  // `g` would make `test` stateful; it changes nothing for matching names.
  return re.global ? new RegExp(re.source, re.flags.replace('g', '')) : re;
}

/** Like `stringToRegex`, but undefined for an empty or invalid pattern. */
export function tryRegex(pattern: string | undefined): RegExp | undefined {
  if (!pattern) return undefined;
  try {
    return stringToRegex(pattern);
  } catch {
    return undefined;
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A field's display name within its frame (the name matchers compare against). */
export function fieldName(field: Field, frame?: DataFrame): string {
  return displayName(field, frame);
}

/** `byName`: the field's name or display name equals `name`. */
export function byName(name: string): FieldMatcher {
  return (field, frame) => field.name === name || fieldName(field, frame) === name;
}

/** `byNames`: any of the names (or, in `exclude` mode, none of them). */
export function byNames(names: string[], mode: 'include' | 'exclude' = 'include'): FieldMatcher {
  const set = new Set(names);
  const match: FieldMatcher = (field, frame) => set.has(field.name) || set.has(fieldName(field, frame));
  return mode === 'exclude' ? (f, fr, all) => !match(f, fr, all) : match;
}

/** `byRegexp`: the display name matches the pattern (plain text is anchored, see `stringToRegex`). */
export function byRegexp(pattern: string): FieldMatcher {
  const re = tryRegex(pattern);
  return (field, frame) => !!re && re.test(fieldName(field, frame));
}

/** Grafana's `ComparisonOperation` applied as its `compareValues` does (null compares as "null"). */
export function compareValues(left: unknown, op: string, right: unknown): boolean {
  let l = left;
  let r = right;
  let o = op;
  if (l == null || r == null) {
    l = l ?? 'null';
    r = r ?? 'null';
    if (o === 'gte' || o === 'lte') o = 'eq';
  }
  switch (o) {
    case 'eq':
      return `${String(l)}` === `${String(r)}`;
    case 'neq':
      return `${String(l)}` !== `${String(r)}`;
    case 'gt':
      return (l as number) > (r as number);
    case 'gte':
      return (l as number) >= (r as number);
    case 'lt':
      return (l as number) < (r as number);
    case 'lte':
      return (l as number) <= (r as number);
    default:
      return false;
  }
}

/** `byValue`: the field reduced with `reducer` compares with `value` (`op` defaults to `eq`). */
export function byValue(options: Record<string, unknown>): FieldMatcher {
  const reducer = asString(options.reducer);
  if (!reducer) return () => false;
  const op = asString(options.op) ?? 'eq';
  const value = options.value;
  const isBoolean = reducer === 'allIsNull' || reducer === 'allIsZero';
  return (field) => {
    const numeric = field.type === 'number' || field.type === 'time';
    const left = reduceValue(field.values, reducer, 'ignore', numeric);
    if (isBoolean) return Boolean(left);
    return compareValues(left, op, value);
  };
}

/**
 * The field matcher of a `{id, options}` config (overrides, reduce's `fields`), or undefined when
 * the id is unknown.
 */
export function fieldMatcher(id: string, options: unknown): FieldMatcher | undefined {
  switch (id) {
    case 'byName':
      return byName(asString(options) ?? '');
    case 'byNames': {
      const o = asRecord(options);
      if (Array.isArray(options)) return byNames(asStringArray(options));
      return byNames(asStringArray(o?.names), o?.mode === 'exclude' ? 'exclude' : 'include');
    }
    case 'byRegexp':
      return byRegexp(asString(options) ?? '');
    case 'byRegexpOrNames': {
      const o = asRecord(options) ?? {};
      const names = byNames(asStringArray(o.names));
      const re = byRegexp(asString(o.pattern) ?? '');
      return (f, fr, all) => names(f, fr, all) || re(f, fr, all);
    }
    case 'byType': {
      const type = asString(options) as FieldType | undefined;
      return (field) => field.type === type;
    }
    case 'numeric':
      return (field) => field.type === 'number';
    case 'time':
      return (field) => field.type === 'time';
    case 'byFrameRefID': {
      const refId = asString(options);
      return (_field, frame) => frame.refId === refId;
    }
    case 'byValue':
      return byValue(asRecord(options) ?? {});
    default:
      return undefined;
  }
}

/**
 * The frame matcher of `filterByRefId`: `/re/` is a regexp, `A|B` a list of refIds, anything else
 * one refId.
 */
export function refIdMatcher(pattern: string): (frame: DataFrame) => boolean {
  let re: RegExp | undefined;
  if (pattern.startsWith('/')) re = tryRegex(pattern);
  else if (pattern.includes('|')) re = new RegExp(`^(?:${pattern.split('|').map(escapeRegex).join('|')})$`);
  return (frame) => (re ? re.test(frame.refId ?? '') : frame.refId === pattern);
}

/** Selects rows of a field: `(rowIndex, field) => keep`. */
export type ValueMatcher = (row: number, field: Field) => boolean;

/** A number the way JavaScript comparisons read it (null is 0), or undefined for non-numbers. */
function asComparable(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * The value matcher of a filterByValue `config` (`greater`, `lower`, `equal`, `notEqual`,
 * `greaterOrEqual`, `lowerOrEqual`, `range`, `regex`, `isNull`, `isNotNull`), or undefined when
 * the id is unknown.
 */
export function valueMatcher(id: string, options: Record<string, unknown>): ValueMatcher | undefined {
  const numeric = (test: (v: number) => boolean): ValueMatcher => (row, field) => {
    const v = asComparable(field.values[row]);
    return v !== undefined && test(v);
  };
  const value = asNumber(options.value) ?? Number.NaN;
  switch (id) {
    case 'greater':
      return numeric((v) => v > value);
    case 'greaterOrEqual':
      return numeric((v) => v >= value);
    case 'lower':
      return numeric((v) => v < value);
    case 'lowerOrEqual':
      return numeric((v) => v <= value);
    case 'range': {
      const from = asNumber(options.from) ?? Number.NaN;
      const to = asNumber(options.to) ?? Number.NaN;
      return numeric((v) => v > from && v < to);
    }
    case 'equal':
      // Grafana compares loosely: "5" equals 5.
      return (row, field) => looseEqual(field.values[row], options.value);
    case 'notEqual':
      return (row, field) => !looseEqual(field.values[row], options.value);
    case 'regex': {
      let re: RegExp | undefined;
      try {
        re = new RegExp(asString(options.value) ?? '');
      } catch {
        re = undefined;
      }
      return (row, field) => !!re && re.test(String(field.values[row]));
    }
    case 'isNull':
      return (row, field) => field.values[row] == null;
    case 'isNotNull':
      return (row, field) => field.values[row] != null;
    default:
      return undefined;
  }
}

function looseEqual(a: unknown, b: unknown): boolean {
  if (a == null || b == null) return a == null && b == null;
  if (typeof a === typeof b) return a === b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b);
  return String(a) === String(b) || Number(a) === Number(b);
}

/** Grafana's guess of a column type from one value. */
export function typeOfValue(v: unknown): FieldType {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (v instanceof Date) return 'time';
  return 'other';
}

/** The type of a column from its first non-null value (`other` when all are null). */
export function typeOfValues(values: unknown[]): FieldType {
  for (const v of values) if (v != null) return typeOfValue(v);
  return 'other';
}
