// `seriesToRows` ("Series to rows"): time series become one table of Time, Metric, Value rows,
// newest first.

import type { DataFrame, Field } from '../frame';
import { fieldName } from './matchers';
import { sortFrame } from './sortBy';
import type { Transformer } from './types';

function isTimeSeries(frame: DataFrame): boolean {
  if (frame.fields.length > 2) return false;
  return frame.fields.some((f) => f.type === 'time') && frame.fields.some((f) => f.type === 'number');
}

function frameName(frame: DataFrame, index: number): string {
  if (frame.name) return frame.name;
  const names = frame.fields.filter((f) => f.type !== 'time').map((f) => fieldName(f, frame));
  return names.join(', ') || `Series ${index + 1}`;
}

/** No options. Needs at least two frames, each a time column and one number column. */
export const seriesToRows: Transformer = (frames) => {
  if (frames.length <= 1) return frames;
  const data = frames.filter((f) => f.length > 0);
  if (!data.every(isTimeSeries) || data.length === 0) return frames;

  const time: unknown[] = [];
  const metric: unknown[] = [];
  const value: unknown[] = [];
  data.forEach((frame, fi) => {
    const t = frame.fields.find((f) => f.type === 'time') as Field;
    const v = frame.fields.find((f) => f !== t) as Field;
    const name = frameName(frame, fi);
    for (let i = 0; i < frame.length; i++) {
      time.push(t.values[i]);
      metric.push(name);
      value.push(v.values[i]);
    }
  });
  const t0 = data[0].fields.find((f) => f.type === 'time') as Field;
  const v0 = data[0].fields.find((f) => f !== t0) as Field;
  const strip = (f: Field): Field['config'] => {
    const { displayName: _a, displayNameFromDS: _b, ...rest } = f.config;
    return rest;
  };
  const frame: DataFrame = {
    length: time.length,
    fields: [
      { name: 'Time', type: 'time', config: strip(t0), values: time },
      { name: 'Metric', type: 'string', config: {}, values: metric },
      { name: 'Value', type: v0.type, config: strip(v0), values: value },
    ],
  };
  return [sortFrame(frame, 0, true)];
};
