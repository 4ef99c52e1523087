// Realistic frames for the transformation tests: Prometheus range-query series (labels on the
// value field) and Prometheus table results (`format: table`, one column per label).

import type { DataFrame, FieldType } from '../frame';
import { seriesToFrame } from '../frame';

/** A Prometheus series frame: `Time` + a value field named `name` with `labels`. */
export function promSeries(
  name: string,
  labels: Record<string, string>,
  t: number[],
  v: (number | null)[],
  refId = 'A',
): DataFrame {
  return seriesToFrame({ name, labels, t, v, refId });
}

/** A table frame from columns: `{name: [type, values]}` in order. */
export function table(columns: Record<string, [FieldType, unknown[]]>, refId?: string, name?: string): DataFrame {
  const fields = Object.entries(columns).map(([n, [type, values]]) => ({ name: n, type, values, config: {} }));
  return { name, refId, fields, length: fields[0]?.values.length ?? 0 };
}

/** Field names of a frame, in order. */
export const names = (f: DataFrame) => f.fields.map((x) => x.name);

/** A column's values by field name. */
export const col = (f: DataFrame, name: string) => f.fields.find((x) => x.name === name)?.values;

/** Two CPU series of one node (`mode` idle/user), three points each at 10 s steps. */
export const cpu = (): DataFrame[] => [
  promSeries('node_cpu_seconds_total', { instance: 'node1:9100', mode: 'idle' }, [1000, 11000, 21000], [90, 85, 80]),
  promSeries('node_cpu_seconds_total', { instance: 'node1:9100', mode: 'user' }, [1000, 11000, 21000], [5, 10, null]),
];

/** Table results of two queries sharing label columns (kubelet volume used / capacity). */
export const volumes = (): DataFrame[] => [
  table(
    {
      Time: ['time', [1000, 1000]],
      namespace: ['string', ['db', 'web']],
      persistentvolumeclaim: ['string', ['pg-data', 'uploads']],
      'Value #A': ['number', [40, 5]],
    },
    'A',
  ),
  table(
    {
      Time: ['time', [1000, 1000]],
      namespace: ['string', ['db', 'web']],
      persistentvolumeclaim: ['string', ['pg-data', 'uploads']],
      'Value #B': ['number', [100, 20]],
    },
    'B',
  ),
];
