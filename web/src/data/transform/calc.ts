// Grafana's field reducers (ids, display names, results) for the transformations that need them
// (reduce, groupBy, calculateField, the byValue matcher). A minimal stand-in for lib/reduce.ts.

/** How nulls count: skipped (Grafana's default for fields), kept as nulls, or read as zero. */
export type NullMode = 'ignore' | 'null' | 'zero';

/** Reducer id -> the name Grafana shows (column headers of the reduce transformation). */
const NAMES: Record<string, string> = {
  lastNotNull: 'Last *',
  last: 'Last',
  firstNotNull: 'First *',
  first: 'First',
  min: 'Min',
  max: 'Max',
  mean: 'Mean',
  median: 'Median',
  variance: 'Variance',
  stdDev: 'StdDev',
  sum: 'Total',
  count: 'Count',
  countAll: 'Count all',
  range: 'Range',
  delta: 'Delta',
  step: 'Step',
  diff: 'Difference',
  logmin: 'Min (above zero)',
  allIsZero: 'All Zeros',
  allIsNull: 'All Nulls',
  changeCount: 'Change Count',
  distinctCount: 'Distinct Count',
  diffperc: 'Difference percent',
  allValues: 'All values',
  uniqueValues: 'All unique values',
};

/** Old ids Grafana still accepts (legacy panels, `valueName`). */
const ALIASES: Record<string, string> = { current: 'lastNotNull', avg: 'mean', total: 'sum' };

/** Results for an empty input; everything else is null. */
const EMPTY: Record<string, unknown> = { sum: 0, count: 0, countAll: 0, allIsZero: false, allIsNull: true };

function percentileOf(id: string): number | undefined {
  const m = /^p([1-9][0-9]?)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

function ordinal(n: number): string {
  if (n > 3 && n < 21) return 'th';
  return n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
}

/** The canonical id of a reducer id or alias, or undefined when Grafana has no such reducer. */
export function resolveReducerId(id: string): string | undefined {
  if (NAMES[id]) return id;
  if (ALIASES[id]) return ALIASES[id];
  return percentileOf(id) !== undefined ? id : undefined;
}

/** The display name of a reducer ("Last *", "Mean", "95th %"), or undefined when unknown. */
export function reducerName(id: string): string | undefined {
  const canonical = resolveReducerId(id);
  if (!canonical) return undefined;
  const p = percentileOf(canonical);
  return p !== undefined ? `${p}${ordinal(p)} %` : NAMES[canonical];
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/** The single-pass statistics Grafana computes together ("standard calcs"). */
function standardCalcs(values: unknown[], nullMode: NullMode, numeric: boolean): Record<string, unknown> {
  let sum = 0;
  let max = -Number.MAX_VALUE;
  let min = Number.MAX_VALUE;
  let logmin = Number.MAX_VALUE;
  let step = Number.MAX_VALUE;
  let count = 0;
  let nonNull = 0;
  let delta = 0;
  let deltaUp = true;
  let allIsNull = true;
  let allIsZero = true;
  let firstNotNull: unknown = null;
  let lastNotNull: unknown = null;
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (v == null) {
      if (nullMode === 'ignore') continue;
      if (nullMode === 'zero') v = 0;
    }
    count++;
    if (v == null || (typeof v === 'number' && Number.isNaN(v))) continue;
    const isFirst = firstNotNull === null;
    if (isFirst) firstNotNull = v;
    if (numeric && typeof v === 'number') {
      sum += v;
      allIsNull = false;
      nonNull++;
      if (!isFirst && typeof lastNotNull === 'number') {
        const s = v - lastNotNull;
        if (s < step) step = s;
        if (lastNotNull > v) {
          deltaUp = false; // a counter reset: not an increase
        } else {
          if (deltaUp) delta += s;
          deltaUp = true;
        }
      }
      if (v > max) max = v;
      if (v < min) min = v;
      if (v > 0 && v < logmin) logmin = v;
    }
    if (v !== 0) allIsZero = false;
    lastNotNull = v;
  }
  const maxV = max === -Number.MAX_VALUE ? null : max;
  const minV = min === Number.MAX_VALUE ? null : min;
  const diff = isNum(firstNotNull) && isNum(lastNotNull) ? lastNotNull - firstNotNull : null;
  return {
    sum,
    max: maxV,
    min: minV,
    logmin: logmin === Number.MAX_VALUE ? null : logmin,
    step: step === Number.MAX_VALUE ? null : step,
    mean: nonNull > 0 ? sum / nonNull : null,
    count,
    delta,
    allIsNull,
    allIsZero: allIsNull ? false : allIsZero,
    range: maxV !== null && minV !== null ? maxV - minV : null,
    diff,
    diffperc: diff !== null && isNum(firstNotNull) ? (diff / firstNotNull) * 100 : 0,
    firstNotNull,
    lastNotNull,
    first: values.length ? values[0] : null,
    last: values.length ? values[values.length - 1] : null,
  };
}

function numbersOf(values: unknown[], nullMode: NullMode): number[] {
  const out: number[] = [];
  for (const v of values) {
    if (isNum(v)) out.push(v);
    else if (v == null && nullMode === 'zero') out.push(0);
  }
  return out;
}

function special(id: string, values: unknown[], nullMode: NullMode): unknown {
  switch (id) {
    case 'allValues':
      return [...values];
    case 'uniqueValues':
      return [...new Set(values)];
    case 'countAll':
      return values.length;
    case 'distinctCount': {
      const set = new Set<unknown>();
      for (const v of values) if (v != null || nullMode !== 'ignore') set.add(v);
      return set.size;
    }
    case 'changeCount': {
      let changes = 0;
      let prev: unknown = undefined;
      let seen = false;
      for (const v of values) {
        if (v == null && nullMode === 'ignore') continue;
        if (seen && v !== prev) changes++;
        prev = v;
        seen = true;
      }
      return changes;
    }
    case 'median': {
      const nums = numbersOf(values, nullMode).sort((a, b) => a - b);
      if (!nums.length) return null;
      const half = Math.floor(nums.length / 2);
      return nums.length % 2 ? nums[half] : (nums[half - 1] + nums[half]) / 2;
    }
    case 'variance':
    case 'stdDev': {
      const nums = numbersOf(values, nullMode);
      if (!nums.length) return 0;
      const mean = nums.reduce((a, b) => a + b, 0) / nums.length;
      const variance = nums.reduce((a, b) => a + (b - mean) * (b - mean), 0) / nums.length;
      return id === 'variance' ? variance : Math.sqrt(variance);
    }
  }
  const p = percentileOf(id);
  if (p !== undefined) {
    const nums = numbersOf(values, nullMode).sort((a, b) => a - b);
    if (!nums.length) return null;
    return nums[Math.max(0, Math.ceil((p / 100) * nums.length) - 1)];
  }
  return undefined;
}

/**
 * Reduce `values` with each reducer of `ids` (aliases accepted; unknown ids skipped).
 * `numeric` says whether the values are a number/time column (only those get sums and ranges).
 */
export function reduceValues(
  values: unknown[],
  ids: string[],
  nullMode: NullMode = 'ignore',
  numeric = true,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let standard: Record<string, unknown> | undefined;
  for (const raw of ids) {
    const id = resolveReducerId(raw);
    if (!id) continue;
    if (values.length === 0) {
      out[id] = id in EMPTY ? EMPTY[id] : null;
      continue;
    }
    const s = special(id, values, nullMode);
    if (s !== undefined) {
      out[id] = s;
      continue;
    }
    standard ??= standardCalcs(values, nullMode, numeric);
    out[id] = standard[id] ?? null;
  }
  return out;
}

/** One reducer's result (null when the reducer is unknown). */
export function reduceValue(values: unknown[], id: string, nullMode: NullMode = 'ignore', numeric = true): unknown {
  const canonical = resolveReducerId(id);
  if (!canonical) return null;
  return reduceValues(values, [canonical], nullMode, numeric)[canonical] ?? null;
}
