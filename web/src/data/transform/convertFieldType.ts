// `convertFieldType` ("Convert field type"): change a column to number, string, time or boolean.

import type { Field, FieldType } from '../frame';
import { byName } from './matchers';
import { asArray, asRecord, asString } from './options';
import type { Transformer } from './types';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Format epoch ms in local time with the common moment tokens (YYYY MM DD HH mm ss SSS). */
export function formatTime(ms: number, format = 'YYYY-MM-DD HH:mm:ss'): string {
  const d = new Date(ms);
  const tokens: Record<string, string> = {
    YYYY: String(d.getFullYear()),
    MM: pad(d.getMonth() + 1),
    DD: pad(d.getDate()),
    HH: pad(d.getHours()),
    mm: pad(d.getMinutes()),
    ss: pad(d.getSeconds()),
    SSS: pad(d.getMilliseconds(), 3),
  };
  return format.replace(/YYYY|MM|DD|HH|mm|ss|SSS/g, (t) => tokens[t]);
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

function toTime(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = toNumber(v);
    if (n !== null) return n;
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return v instanceof Date ? v.getTime() : null;
}

function toStringValue(v: unknown, field: Field, dateFormat?: string): string | null {
  if (v == null) return null;
  if (field.type === 'time' && typeof v === 'number') return formatTime(v, dateFormat || undefined);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function toBoolean(v: unknown): boolean | null {
  if (v == null) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return ['true', 'yes', '1', 'on'].includes(String(v).trim().toLowerCase());
}

function convert(field: Field, to: FieldType, dateFormat?: string): Field {
  const values = field.values.map((v) => {
    switch (to) {
      case 'number':
        return toNumber(v);
      case 'time':
        return toTime(v);
      case 'string':
        return toStringValue(v, field, dateFormat);
      case 'boolean':
        return toBoolean(v);
      default:
        return v;
    }
  });
  return { ...field, type: to, values };
}

/** Options: `conversions: [{targetField, destinationType, dateFormat?}]` (targetField by display name). */
export const convertFieldType: Transformer = (frames, options) => {
  const conversions = asArray(options.conversions)
    .map(asRecord)
    .filter((c): c is Record<string, unknown> => !!c && !!asString(c.targetField) && !!asString(c.destinationType));
  if (conversions.length === 0) return frames;
  return frames.map((frame) => {
    let fields = frame.fields;
    for (const c of conversions) {
      const match = byName(asString(c.targetField) as string);
      const to = asString(c.destinationType) as FieldType;
      const dateFormat = asString(c.dateFormat);
      fields = fields.map((f) => (match(f, frame, frames) ? convert(f, to, dateFormat) : f));
    }
    return { ...frame, fields };
  });
};
