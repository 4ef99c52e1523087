// Dashboard variables in text: `$var`, `${var}`, `${var:format}`, `[[var]]`, `[[var:format]]`,
// formatted as Grafana formats them (csv, pipe, regex, glob, json, lucene, distributed, quotes,
// sqlstring, raw, text, queryparam, percentencode, date), plus the built-ins `$__interval`,
// `$__range`, `$__from`... and the `$__all` value. A multi value without a format is formatted as
// `glob` (`{a,b}`), Grafana's core default; a data source that wants Prometheus-style `(a|b)`
// passes `regex` as the default format.

import { formatDate, type TimeZone } from './datetime';
import { escapeRegex } from './regex';
import { intervalText } from './time';

/** A variable's current value: one string, or several for multi-value variables. */
export type VariableValue = string | string[];

/** A variable with what `$__all` and the `text` format need besides its value. */
export interface VariableState {
  value: VariableValue;
  /** Display text (`text` format); the value when absent. */
  text?: VariableValue;
  /** The custom all value; when set, `$__all` becomes this, unformatted. */
  allValue?: string | null;
  /** Every option value except All, for `$__all` without a custom all value. */
  options?: readonly string[];
}

/** The variables in scope, by name (without `$`). */
export type Scope = Record<string, VariableValue | VariableState>;

export interface InterpolateOptions {
  /** Zone for `${__from:date:YYYY-MM-DD}` patterns; `browser` by default. */
  timeZone?: TimeZone;
}

export const ALL_VALUE = '$__all';

/** `$name`, `[[name]]`/`[[name:fmt]]`, `${name}`/`${name.path}`/`${name:fmt}` (fmt may hold `:`). */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:}]+))?(?::([^}]+))?\}/g;

interface Reference {
  name: string;
  format?: string;
  fieldPath?: string;
}

function referenceOf(match: RegExpExecArray | string[]): Reference {
  const [, plain, bracket, bracketFormat, braced, fieldPath, bracedFormat] = match;
  if (plain !== undefined) return { name: plain };
  if (bracket !== undefined) return { name: bracket, format: bracketFormat };
  return { name: braced ?? '', format: bracedFormat, fieldPath };
}

/** The names of the variables `text` refers to, each once, in order of appearance. */
export function variableNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(VARIABLE)) names.add(referenceOf(m).name);
  return [...names];
}

function stateOf(v: VariableValue | VariableState): VariableState {
  return typeof v === 'string' || Array.isArray(v) ? { value: v } : v;
}

function isAll(value: VariableValue): boolean {
  return value === ALL_VALUE || (Array.isArray(value) && value[0] === ALL_VALUE);
}

/** encodeURIComponent that also escapes `!'()*`, as Grafana's URL formats do. */
function encodeStrict(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function luceneEscape(text: string): string {
  return text.replace(/([!*+\-=<>\s&|()[\]{}^~?:\\/"])/g, '\\$1');
}

const list = (value: VariableValue): string[] => (Array.isArray(value) ? value : [value]);

type Formatter = (value: VariableValue, name: string, text: VariableValue) => string;

/** Formats joining one or many values; a single value is usually passed as is. */
const FORMATS: Record<string, Formatter> = {
  csv: (v) => list(v).join(','),
  pipe: (v) => list(v).join('|'),
  raw: (v) => list(v).join(','),
  regex: (v) => {
    const escaped = list(v).map(escapeRegex);
    return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
  },
  glob: (v) => (Array.isArray(v) && v.length > 1 ? `{${v.join(',')}}` : list(v).join(',')),
  json: (v) => JSON.stringify(v),
  lucene: (v) => {
    if (!Array.isArray(v)) return luceneEscape(v);
    if (v.length === 1) return luceneEscape(v[0]);
    return `(${v.map((x) => `"${luceneEscape(x)}"`).join(' OR ')})`;
  },
  distributed: (v, name) => list(v).map((x, i) => (i === 0 ? x : `${name}=${x}`)).join(','),
  singlequote: (v) => list(v).map((x) => `'${x.replace(/'/g, "\\'")}'`).join(','),
  doublequote: (v) => list(v).map((x) => `"${x.replace(/"/g, '\\"')}"`).join(','),
  sqlstring: (v) => list(v).map((x) => `'${x.replace(/'/g, "''")}'`).join(','),
  text: (_v, _name, text) => list(text).join(' + '),
  queryparam: (v, name) => list(v).map((x) => `var-${name}=${encodeStrict(x)}`).join('&'),
  percentencode: (v) => encodeStrict(Array.isArray(v) && v.length > 1 ? `{${v.join(',')}}` : list(v).join(',')),
};

/** `${__from:date}`, `:date:iso`, `:date:seconds`, `:date:<pattern>` of an epoch-ms value. */
function formatDateValue(value: VariableValue, arg: string | undefined, opts: InterpolateOptions): string {
  const ms = Number(list(value)[0]);
  if (!Number.isFinite(ms)) return list(value).join(',');
  if (!arg || arg === 'iso') return new Date(ms).toISOString();
  if (arg === 'seconds') return String(Math.floor(ms / 1000));
  return formatDate(ms, arg, opts.timeZone);
}

function applyFormat(
  value: VariableValue,
  text: VariableValue,
  name: string,
  format: string,
  opts: InterpolateOptions,
): string {
  const colon = format.indexOf(':');
  const id = colon === -1 ? format : format.slice(0, colon);
  if (id === 'date') return formatDateValue(value, colon === -1 ? undefined : format.slice(colon + 1), opts);
  // An unknown format leaves the value as it is (joined), as Grafana does.
  return (Object.hasOwn(FORMATS, id) ? FORMATS[id] : FORMATS.raw)(value, name, text);
}

/** What `$__all` stands for: the custom all value (raw), or every option value. */
function resolveAll(state: VariableState, name: string, format: string, scope: Scope, opts: InterpolateOptions, depth: number): string {
  if (format === 'queryparam') return `var-${name}=${ALL_VALUE}`;
  if (format === 'text') return 'All';
  if (state.allValue) return expand(state.allValue, scope, undefined, opts, depth + 1);
  return applyFormat([...(state.options ?? [])], 'All', name, format, opts);
}

function expand(text: string, scope: Scope, defaultFormat: string | undefined, opts: InterpolateOptions, depth: number): string {
  if (depth > 5) return text;
  return text.replace(VARIABLE, (...args: string[]) => {
    const ref = referenceOf(args);
    const entry = Object.hasOwn(scope, ref.name) ? scope[ref.name] : undefined;
    if (entry === undefined || ref.fieldPath !== undefined) return args[0];
    const state = stateOf(entry);
    const format = ref.format ?? defaultFormat ?? 'glob';
    if (isAll(state.value)) return resolveAll(state, ref.name, format, scope, opts, depth);
    return applyFormat(state.value, state.text ?? state.value, ref.name, format, opts);
  });
}

/**
 * Replaces the variables of `text` from `vars`; `format` is the format of references that name
 * none (glob when absent). Variables not in `vars` stay as written.
 */
export function interpolate(text: string, vars: Scope, format?: string, opts: InterpolateOptions = {}): string {
  return expand(text, vars, format, opts, 0);
}

/** The time and query values behind the built-in variables. */
export interface BuiltinInputs {
  from: number;
  to: number;
  /** The query interval (`$__interval_ms`), e.g. from calculateInterval. */
  intervalMs?: number;
  /** Its text (`$__interval`); derived from intervalMs when absent. */
  interval?: string;
  /** The data source's scrape interval for `$__rate_interval`; 15s by default. */
  scrapeIntervalMs?: number;
  /** The dashboard title (`$__dashboard`). */
  dashboard?: string;
}

function secondsText(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

/**
 * The built-in variables: `__from`/`__to` (epoch ms; `${__from:date:iso}` formats them),
 * `__range` (`3600s`), `__range_s`, `__range_ms`, `__interval`, `__interval_ms`,
 * `__rate_interval` (max(interval + scrape, 4 × scrape), in seconds) and `__dashboard`.
 */
export function builtinVariables(inputs: BuiltinInputs): Scope {
  const rangeMs = inputs.to - inputs.from;
  const scope: Scope = {
    __from: String(inputs.from),
    __to: String(inputs.to),
    __range: secondsText(rangeMs),
    __range_s: String(Math.round(rangeMs / 1000)),
    __range_ms: String(rangeMs),
  };
  if (inputs.intervalMs !== undefined) {
    const scrape = inputs.scrapeIntervalMs ?? 15000;
    scope.__interval = inputs.interval ?? intervalText(inputs.intervalMs);
    scope.__interval_ms = String(inputs.intervalMs);
    scope.__rate_interval = secondsText(Math.max(inputs.intervalMs + scrape, 4 * scrape));
  }
  if (inputs.dashboard !== undefined) scope.__dashboard = inputs.dashboard;
  return scope;
}
