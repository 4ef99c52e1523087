// Applies a panel's transformations in order, as Grafana does: each one sees the previous one's
// output; disabled ones are skipped; unknown ids and failures leave the frames as they were and
// are reported as warnings.

import type { Transformation } from '../../api/dashboard';
import type { DataFrame } from '../frame';
import { calculateField } from './calculateField';
import { concatenate } from './concatenate';
import { convertFieldType } from './convertFieldType';
import { filterByRefId } from './filterByRefId';
import { filterByValue } from './filterByValue';
import { filterFieldsByName } from './filterFieldsByName';
import { groupBy } from './groupBy';
import { joinByFieldTransformer, seriesToColumns } from './joinByField';
import { labelsToFields } from './labelsToFields';
import { merge } from './merge';
import { organize } from './organize';
import { reduce } from './reduce';
import { renameByRegex } from './renameByRegex';
import { seriesToRows } from './seriesToRows';
import { sortBy } from './sortBy';
import type { Transformer } from './types';

/** The transformations Pulsegrid knows, by Grafana id. */
export const transformers: Readonly<Record<string, Transformer>> = {
  organize,
  seriesToColumns,
  joinByField: joinByFieldTransformer,
  labelsToFields,
  filterFieldsByName,
  filterByRefId,
  calculateField,
  groupBy,
  sortBy,
  reduce,
  merge,
  filterByValue,
  convertFieldType,
  renameByRegex,
  seriesToRows,
  concatenate,
};

/** The frames after the transformations, and what could not be applied. */
export interface TransformResult {
  frames: DataFrame[];
  warnings: string[];
}

/** Apply `transformations` to `frames` in order (inputs are never mutated). */
export function applyTransformations(frames: DataFrame[], transformations: Transformation[]): TransformResult {
  const warnings: string[] = [];
  let out = frames;
  transformations.forEach((t, i) => {
    if (t.disabled) return;
    const run = Object.prototype.hasOwnProperty.call(transformers, t.id) ? transformers[t.id] : undefined;
    if (!run) {
      warnings.push(`transformation ${i + 1} ("${t.id}") is not supported; skipped`);
      return;
    }
    try {
      out = run(out, t.options ?? {});
    } catch (e) {
      warnings.push(`transformation ${i + 1} ("${t.id}") failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return { frames: out, warnings };
}
