// Dashboard variables (templating) in the browser: their options (custom lists, intervals,
// constants, textboxes, datasources, and query variables asked of the server), the selected
// values (from the URL's `var-NAME`, else the saved `current`), and what panels need: values
// to interpolate and to send with subscriptions, and the values that repeat panels.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Dashboard, Variable } from '../../api/dashboard';
import { interpolate } from '../../lib/interpolate';
import { applyRegex, customOptions, intervalOptions, sortValues } from '../../lib/variables';

export interface Option {
  text: string;
  value: string;
}

export interface VarState {
  def: Variable;
  options: Option[];
  /** Selected values (one unless the variable is multi). `$__all` stands for All. */
  selected: string[];
  loading: boolean;
  error?: string;
}

export interface Variables {
  list: VarState[];
  /** What panels interpolate and send: a string, or a list for multi values. */
  values: Record<string, string | string[]>;
  /** The values a repeat panel is cloned for. */
  repeatValues: Record<string, string[]>;
}

export const ALL = '$__all';

/** A value with variables replaced in every string in it (a datasource reference `${ds}`). */
export function interpolateLeaves(value: unknown, vars: Record<string, string | string[]>): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((v) => interpolateLeaves(v, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateLeaves(v, vars)]));
  }
  return value;
}

function queryText(def: Variable): string {
  if (typeof def.query === 'string') return def.query;
  if (def.query && typeof def.query.query === 'string') return def.query.query;
  return '';
}

const flat = (o: { text: string | string[]; value: string | string[] }): Option => ({
  text: Array.isArray(o.text) ? o.text.join(' + ') : o.text,
  value: Array.isArray(o.value) ? o.value.join(',') : o.value,
});

/** Options a variable has without asking the server. */
export function staticOptions(def: Variable, urlValues: string[]): Option[] | null {
  switch (def.type) {
    case 'custom':
      return customOptions(queryText(def)).map(flat);
    case 'interval':
      return intervalOptions(queryText(def)).map(flat);
    case 'constant':
      return [{ text: queryText(def), value: queryText(def) }];
    case 'textbox': {
      const v = urlValues[0] ?? (typeof def.current?.value === 'string' ? def.current.value : queryText(def));
      return [{ text: v, value: v }];
    }
    default:
      return null;
  }
}

/** The selected values: URL, else saved current, else the first option; invalid ones dropped. */
export function selectValues(def: Variable, options: Option[], urlValues: string[]): string[] {
  const saved = def.current?.value;
  let wanted = urlValues.length ? urlValues : Array.isArray(saved) ? saved : saved !== undefined ? [String(saved)] : [];
  if (wanted.includes(ALL) || wanted.includes('All')) return def.includeAll ? [ALL] : options.slice(0, 1).map((o) => o.value);
  if (def.type === 'textbox' || def.type === 'constant') return options.slice(0, 1).map((o) => o.value);
  const known = new Set(options.map((o) => o.value));
  wanted = wanted.filter((v) => known.has(v));
  if (!def.multi) wanted = wanted.slice(0, 1);
  if (wanted.length === 0) return def.includeAll && options.length ? [ALL] : options.slice(0, 1).map((o) => o.value);
  return wanted;
}

/** Values for interpolation and subscriptions: All expands to every option (or allValue). */
export function variableValue(state: Pick<VarState, 'def' | 'options' | 'selected'>): string | string[] {
  const { def, options, selected } = state;
  if (selected.includes(ALL)) {
    if (def.allValue) return ALL;
    return options.map((o) => o.value);
  }
  return def.multi ? selected : (selected[0] ?? '');
}

function repeatList(state: VarState): string[] {
  return state.selected.includes(ALL) ? state.options.map((o) => o.value) : state.selected;
}

export function useVariables(dashboard: Dashboard | null, query: URLSearchParams, range: { from: string; to: string }): Variables {
  const defs = useMemo(() => (dashboard?.templating?.list ?? []).filter((v) => v && typeof v.name === 'string'), [dashboard]);
  const urlKey = defs.map((d) => query.getAll(`var-${d.name}`).join('\u0001')).join('\u0000');
  const [fetched, setFetched] = useState<Record<string, { options: Option[]; error?: string; loading: boolean }>>({});

  const list: VarState[] = [];
  const values: Record<string, string | string[]> = {};
  for (const def of defs) {
    const urlValues = query.getAll(`var-${def.name}`);
    let options = staticOptions(def, urlValues);
    let loading = false;
    let error: string | undefined;
    if (options === null) {
      const f = fetched[def.name];
      options = f?.options ?? (def.options ?? []).map((o) => ({ text: String(o.text), value: String(o.value) })).filter((o) => o.value !== ALL);
      loading = f?.loading ?? true;
      error = f?.error;
    }
    const state: VarState = { def, options, selected: selectValues(def, options, urlValues), loading, error };
    list.push(state);
    values[def.name] = variableValue(state);
  }
  const valuesKey = JSON.stringify(values);

  // Ask the server for query variables' options, in order: a later query may use an earlier value.
  useEffect(() => {
    let stale = false;
    const run = async () => {
      const known: Record<string, string | string[]> = {};
      for (const def of defs) {
        if (def.type !== 'query' && def.type !== 'datasource') {
          known[def.name] = JSON.parse(valuesKey)[def.name];
          continue;
        }
        try {
          let options: Option[];
          if (def.type === 'datasource') {
            const type = queryText(def);
            const all = await api.datasources();
            options = all.filter((d) => !type || d.type === type).map((d) => ({ text: d.name, value: d.uid }));
          } else {
            const q = interpolate(queryText(def), known);
            const ds = interpolateLeaves(def.datasource ?? null, known);
            const res = await api.variableValues(ds, q, range.from, range.to);
            options = sortValues(applyRegex(res.values, def.regex ?? ''), Number(def.sort ?? 0)).map(flat);
          }
          if (stale) return;
          setFetched((f) => ({ ...f, [def.name]: { options, loading: false } }));
          const sel = selectValues(def, options, query.getAll(`var-${def.name}`));
          known[def.name] = variableValue({ def, options, selected: sel });
        } catch (e) {
          if (stale) return;
          setFetched((f) => ({ ...f, [def.name]: { options: [], loading: false, error: (e as Error).message } }));
        }
      }
    };
    void run();
    return () => {
      stale = true;
    };
  }, [defs, urlKey, range.from, range.to]);

  const stableValues = useMemo(() => values, [valuesKey]);
  const repeatValues = useMemo(() => {
    const out: Record<string, string[]> = {};
    for (const s of list) out[s.def.name] = repeatList(s);
    return out;
  }, [valuesKey, JSON.stringify(list.map((s) => s.options.length))]);
  return { list, values: stableValues, repeatValues };
}
