// Each field's effective config, as Grafana computes it: the panel's `fieldConfig.defaults` fill
// what the data source did not set, then every override whose matcher selects the field sets its
// properties, in override order (a later override wins).

import type { FieldConfig, FieldOverride } from '../api/dashboard';
import type { DataFrame, Field } from './frame';
import { fieldMatcher } from './transform/matchers';
import { asNumber, asRecord, clone } from './transform/options';

/** `panel.fieldConfig`. */
export interface FieldConfigSource {
  defaults?: FieldConfig;
  overrides?: FieldOverride[];
}

/** Options that only mean something on number fields: a time column keeps none of them. */
const NOT_FOR_TIME = ['unit', 'decimals', 'min', 'max'];

/** Properties whose values Grafana reads as numbers (a non-number clears them). */
const NUMERIC = new Set(['decimals', 'min', 'max']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return asRecord(v) !== undefined;
}

/** `base` with `over` on top: objects merged key by key, anything else replaced. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** Set (or, for null/undefined, remove) the value at a dotted path such as `custom.lineWidth`. */
function setPath(config: FieldConfig, path: string, value: unknown): void {
  const keys = path.split('.').filter(Boolean);
  if (keys.length === 0) return;
  let target: Record<string, unknown> = config;
  for (const k of keys.slice(0, -1)) {
    const next = target[k];
    if (!isPlainObject(next)) {
      if (value == null) return; // nothing to remove
      target[k] = {};
    } else {
      target[k] = { ...next }; // copy on write: configs may share objects
    }
    target = target[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value == null) delete target[last];
  else target[last] = value;
}

/** An override property's value as Grafana's option processors read it. */
function processValue(id: string, value: unknown): unknown {
  if (NUMERIC.has(id)) return asNumber(value) ?? null;
  return value === undefined ? undefined : clone(value);
}

/** The config a field gets from the panel defaults under its own (data source) config. */
function withDefaults(field: Field, defaults: FieldConfig): FieldConfig {
  const d: Record<string, unknown> = { ...defaults };
  if (field.type === 'time') for (const k of NOT_FOR_TIME) delete d[k];
  return deepMerge(clone(d), field.config) as FieldConfig;
}

/**
 * Frames whose fields carry their effective `config`. Matchers see each field as the data source
 * sent it (its own name, labels and config), so one override's `displayName` does not change which
 * fields a later override selects, as in Grafana. Inputs are not mutated.
 */
export function applyFieldConfig(frames: DataFrame[], fieldConfig: FieldConfigSource): DataFrame[] {
  const defaults = fieldConfig.defaults ?? {};
  const rules = (fieldConfig.overrides ?? []).flatMap((o) => {
    const match = fieldMatcher(o.matcher?.id ?? '', o.matcher?.options);
    return match ? [{ match, properties: o.properties ?? [] }] : [];
  });
  return frames.map((frame) => ({
    ...frame,
    fields: frame.fields.map((field) => {
      const config = withDefaults(field, defaults);
      for (const rule of rules) {
        if (!rule.match(field, frame, frames)) continue;
        for (const p of rule.properties) {
          if (!p.id) continue;
          setPath(config, p.id, processValue(p.id, p.value));
        }
      }
      return { ...field, config };
    }),
  }));
}
