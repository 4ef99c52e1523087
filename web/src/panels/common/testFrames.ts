// Small frame builders for the panel tests.

import type { FieldConfig } from '../../api/dashboard';
import type { DataFrame, Field, FieldType } from '../../data/frame';

/** A field of the given type and values. */
export function field(name: string, type: FieldType, values: unknown[], config: FieldConfig = {}, labels?: Record<string, string>): Field {
  return { name, type, values, config, labels };
}

/** A frame of the given fields (length from the first). */
export function frame(fields: Field[], name?: string, refId?: string): DataFrame {
  return { name, refId, fields, length: fields[0]?.values.length ?? 0 };
}

/** A time series frame: Time + one number field. */
export function series(name: string, t: number[], v: (number | null)[], config: FieldConfig = {}, labels?: Record<string, string>): DataFrame {
  return frame([field('Time', 'time', t), field(name, 'number', v, config, labels)], name);
}
