// Pure helpers behind template variables, as Grafana's variable editor behaves: the options of
// custom and interval variables, the regex filter over query results (with `text`/`value` named
// groups), the sort modes 0-8, keeping the current selection valid when options change, and
// recognising Prometheus-style variable queries (`label_values(...)`, `query_result(...)`).

import type { Variable, VariableOption } from '../api/dashboard';
import { ALL_VALUE } from './interpolate';
import { parseRegex } from './regex';
import { calculateInterval } from './time';

const option = (text: string, value: string = text): VariableOption => ({ text, value, selected: false });

/**
 * Options of a custom variable: comma-separated (`\,` is a literal comma), each trimmed; an
 * item `key : value` (spaces around the colon, so URLs stay whole) shows `key` and means `value`.
 */
export function customOptions(query: string): VariableOption[] {
  const items = query.match(/(?:\\,|[^,])+/g) ?? [];
  return items
    .map((raw) => raw.trim().replace(/\\,/g, ','))
    .filter((item) => item !== '')
    .map((item) => {
      const pair = /^(.+?)\s:\s(.+)$/.exec(item);
      return pair ? option(pair[1].trim(), pair[2].trim()) : option(item);
    });
}

/** The value of an interval variable's `auto` option. */
export const AUTO_INTERVAL = '$__auto';

/** Options of an interval variable (`1m,10m,1h`), with `auto` first when enabled. */
export function intervalOptions(query: string, auto = false): VariableOption[] {
  const options = query.split(',').map((s) => s.trim()).filter(Boolean).map((s) => option(s));
  return auto ? [option('auto', AUTO_INTERVAL), ...options] : options;
}

/** What `auto` resolves to: the range cut into `count` steps, never below `minInterval`. */
export function autoInterval(rangeMs: number, count = 30, minInterval = '10s'): string {
  return calculateInterval(rangeMs, count, minInterval).interval;
}

/** A query result as data sources return it: a plain value, or text and value. */
export type RawOption = string | number | { text?: string | number | null; value?: string | number | null };

function normalize(raw: RawOption): { text: string; value: string } {
  if (typeof raw !== 'object') return { text: String(raw), value: String(raw) };
  const text = raw.text ?? raw.value ?? '';
  const value = raw.value ?? raw.text ?? '';
  return { text: String(text), value: String(value) };
}

function allMatches(text: string, regex: RegExp): RegExpExecArray[] {
  if (!regex.global) {
    const m = regex.exec(text);
    return m ? [m] : [];
  }
  regex.lastIndex = 0;
  return [...text.matchAll(regex)];
}

/** Options from one value under the filter; several when a global regex matches several times. */
function optionsFrom(item: { text: string; value: string }, regex: RegExp): VariableOption[] {
  const matches = allMatches(item.value, regex);
  if (matches.length === 0) return [];
  const valueGroup = matches.find((m) => m.groups?.value)?.groups?.value;
  const textGroup = matches.find((m) => m.groups?.text)?.groups?.text;
  if (valueGroup !== undefined || textGroup !== undefined) {
    return [option(textGroup ?? valueGroup ?? '', valueGroup ?? textGroup ?? '')];
  }
  const withGroups = matches.filter((m) => m.length > 1);
  if (withGroups.length === 0) return [option(item.text, item.value)];
  if (matches.length > 1) return withGroups.map((m) => option(m[1] ?? ''));
  return [option(withGroups[0][1] ?? '')];
}

/**
 * Grafana's variable regex filter: values that do not match are dropped; the first capture group
 * (or the named groups `text` and `value`) becomes the option; a `/.../g` regex can yield several
 * options per value. Options are de-duplicated by value. Throws on an invalid regex, so the
 * editor can show it.
 */
export function applyRegex(values: readonly RawOption[], regex?: string): VariableOption[] {
  const items = values.map(normalize);
  const re = regex ? parseRegex(regex) : null;
  if (regex && !re) throw new Error(`'${regex}' is not a valid regular expression.`);
  const options = re ? items.flatMap((item) => optionsFrom(item, re)) : items.map((i) => option(i.text, i.value));
  const seen = new Set<string>();
  return options.filter((o) => {
    const key = String(o.value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Grafana's variable sort modes. */
export enum VariableSort {
  Disabled = 0,
  AlphabeticalAsc = 1,
  AlphabeticalDesc = 2,
  NumericalAsc = 3,
  NumericalDesc = 4,
  AlphabeticalCaseInsensitiveAsc = 5,
  AlphabeticalCaseInsensitiveDesc = 6,
  NaturalAsc = 7,
  NaturalDesc = 8,
}

const textOf = (o: VariableOption): string => (Array.isArray(o.text) ? o.text.join(' + ') : o.text);

/** The first integer in the text (`server10` -> 10), -1 when none: Grafana's numerical key. */
function numericKey(o: VariableOption): number {
  const m = /(\d+)/.exec(textOf(o));
  return m ? parseInt(m[1], 10) : -1;
}

const natural = new Intl.Collator(undefined, { sensitivity: 'accent', numeric: true });

function compareBy(mode: number): (a: VariableOption, b: VariableOption) => number {
  switch (Math.ceil(mode / 2)) {
    case 1: return (a, b) => (textOf(a) < textOf(b) ? -1 : textOf(a) > textOf(b) ? 1 : 0);
    case 2: return (a, b) => numericKey(a) - numericKey(b);
    case 3: return (a, b) => {
      const [x, y] = [textOf(a).toLowerCase(), textOf(b).toLowerCase()];
      return x < y ? -1 : x > y ? 1 : 0;
    };
    default: return (a, b) => natural.compare(textOf(a), textOf(b));
  }
}

/**
 * Sorts options by a variable's `sort` (0 none, odd ascending, even descending: 1-2 alphabetical,
 * 3-4 numerical by the first number in the text, 5-6 case-insensitive, 7-8 natural).
 */
export function sortValues(values: readonly VariableOption[], sortMode: number | undefined): VariableOption[] {
  const mode = sortMode ?? 0;
  if (mode <= 0 || mode > 8) return [...values];
  const sorted = [...values].sort(compareBy(mode));
  return mode % 2 === 0 ? sorted.reverse() : sorted;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The option list a picker shows: All first when the variable includes it. */
export function withAllOption(variable: Pick<Variable, 'includeAll'>, options: readonly VariableOption[]): VariableOption[] {
  return variable.includeAll ? [option('All', ALL_VALUE), ...options] : [...options];
}

function pickSingle(variable: Variable, options: readonly VariableOption[]): VariableOption | undefined {
  const current = variable.current;
  const text = asList(current?.text)[0];
  const value = asList(current?.value)[0];
  return options.find((o) => text !== undefined && o.text === text) ?? options.find((o) => value !== undefined && o.value === value);
}

function pickMulti(variable: Variable, options: readonly VariableOption[]): VariableOption[] {
  const wanted = new Set(asList(variable.current?.value));
  return options.filter((o) => wanted.has(String(o.value)));
}

/**
 * The selection after the options changed, as Grafana keeps it: a single value stays if an
 * option still has its text or value; a multi value keeps the values still offered; otherwise
 * the first option (All when included). Returns the new current and the options (All first when
 * included) with `selected` marked.
 */
export function currentValues(
  variable: Variable,
  options: readonly VariableOption[],
): { current: VariableOption; options: VariableOption[] } {
  const all = withAllOption(variable, options);
  let chosen: VariableOption[];
  if (variable.multi) {
    const kept = pickMulti(variable, all);
    chosen = kept.some((o) => o.value === ALL_VALUE) ? all.slice(0, 1) : kept;
  } else {
    const kept = pickSingle(variable, all);
    chosen = kept ? [kept] : [];
  }
  if (chosen.length === 0 && all.length > 0) chosen = [all[0]];
  const selected = new Set(chosen.map((o) => String(o.value)));
  const marked = all.map((o) => ({ ...o, selected: selected.has(String(o.value)) }));
  return { current: currentOf(chosen, variable.multi === true), options: marked };
}

function currentOf(chosen: readonly VariableOption[], multi: boolean): VariableOption {
  if (chosen.length === 0) return { text: multi ? [] : '', value: multi ? [] : '', selected: false };
  if (!multi) return { text: chosen[0].text, value: chosen[0].value, selected: true };
  return {
    text: chosen.map((o) => textOf(o)),
    value: chosen.map((o) => String(o.value)),
    selected: true,
  };
}

/** A Prometheus-style variable query, recognised. */
export type VariableQuery =
  | { kind: 'label_names'; match?: string }
  | { kind: 'label_values'; label: string; match?: string; metric?: string }
  | { kind: 'metrics'; regex: string }
  | { kind: 'query_result'; expr: string }
  /** Anything else: the series matching the expression, one option per series. */
  | { kind: 'series'; match: string };

const LABEL = '[a-zA-Z_$][a-zA-Z0-9_]*';

function labelValues(inner: string): VariableQuery | null {
  const m = new RegExp(`^(?:(.+),\\s*)?(${LABEL})\\s*$`, 's').exec(inner);
  if (!m) return null;
  const match = m[1]?.trim();
  if (!match) return { kind: 'label_values', label: m[2] };
  const metric = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(match)?.[0];
  return metric ? { kind: 'label_values', label: m[2], match, metric } : { kind: 'label_values', label: m[2], match };
}

/**
 * Recognises `label_names()`, `label_names(match)`, `label_values(label)`,
 * `label_values(metric{sel}, label)`, `metrics(regex)` and `query_result(expr)`; other text is a
 * series query. null for an empty query.
 */
export function parseLabelValuesQuery(query: string): VariableQuery | null {
  const q = query.trim();
  if (!q) return null;
  const call = /^(label_names|label_values|metrics|query_result)\s*\((.*)\)$/s.exec(q);
  if (!call) return { kind: 'series', match: q };
  const [, fn, rawInner] = call;
  const inner = rawInner.trim();
  switch (fn) {
    case 'label_names': return inner ? { kind: 'label_names', match: inner } : { kind: 'label_names' };
    case 'label_values': return labelValues(inner) ?? { kind: 'series', match: q };
    case 'metrics': return inner ? { kind: 'metrics', regex: inner } : { kind: 'series', match: q };
    default: return inner ? { kind: 'query_result', expr: inner } : { kind: 'series', match: q };
  }
}
