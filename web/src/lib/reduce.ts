// Grafana's reducers ("calculations"): one value from a field's values, by id (`lastNotNull`,
// `mean`, `p95`...), for stat, gauge, table footers and legends. Nulls count as Grafana counts
// them with its default null handling: they are rows (count, first, last, changeCount,
// distinctCount) but not numbers (min, max, mean, sum, percentiles).

/** A field value as reducers see it. */
export type ReduceInput = number | string | boolean | null | undefined;

/** A reducer's answer: a number, a boolean (allIsNull, allIsZero), a raw value, or null. */
export type ReduceResult = number | string | boolean | null;

type Reducer = (values: readonly ReduceInput[]) => ReduceResult;

function isNumber(v: ReduceInput): v is number {
  return typeof v === 'number';
}

/** The numbers among the values, in order (NaN kept: it poisons sums, as in Grafana). */
function numbers(values: readonly ReduceInput[]): number[] {
  return values.filter(isNumber);
}

function present(v: ReduceInput): boolean {
  return v !== null && v !== undefined && !(typeof v === 'number' && Number.isNaN(v));
}

function firstPresent(values: readonly ReduceInput[]): ReduceResult {
  return (values.find(present) as ReduceResult | undefined) ?? null;
}

function lastPresent(values: readonly ReduceInput[]): ReduceResult {
  for (let i = values.length - 1; i >= 0; i--) if (present(values[i])) return values[i] as ReduceResult;
  return null;
}

function orNull(v: ReduceInput): ReduceResult {
  return v === undefined ? null : v;
}

function sum(values: readonly ReduceInput[]): number {
  return numbers(values).reduce((a, b) => a + b, 0);
}

function extreme(values: readonly ReduceInput[], pick: (a: number, b: number) => boolean): number | null {
  let best: number | null = null;
  for (const v of numbers(values)) if (!Number.isNaN(v) && (best === null || pick(v, best))) best = v;
  return best;
}

const min = (values: readonly ReduceInput[]): number | null => extreme(values, (a, b) => a < b);
const max = (values: readonly ReduceInput[]): number | null => extreme(values, (a, b) => a > b);

function mean(values: readonly ReduceInput[]): number | null {
  const nums = numbers(values);
  return nums.length ? sum(nums) / nums.length : null;
}

function variance(values: readonly ReduceInput[]): number | null {
  const nums = numbers(values);
  const m = mean(nums);
  if (m === null) return null;
  return nums.reduce((acc, v) => acc + (v - m) ** 2, 0) / nums.length;
}

function firstLastNumbers(values: readonly ReduceInput[]): [number, number] | null {
  const first = firstPresent(values);
  const last = lastPresent(values);
  return isNumber(first) && isNumber(last) ? [first, last] : null;
}

/**
 * Counter-aware increase: rises add up; after a drop (a counter reset) the next value counts in
 * full, as does a drop on the very last point.
 */
function delta(values: readonly ReduceInput[]): number {
  const nums = numbers(values).filter((v) => !Number.isNaN(v));
  let total = 0;
  let previousUp = true;
  for (let i = 1; i < nums.length; i++) {
    const [prev, cur] = [nums[i - 1], nums[i]];
    if (cur < prev) {
      previousUp = false;
      if (i === nums.length - 1) total += cur;
    } else {
      total += previousUp ? cur - prev : cur;
      previousUp = true;
    }
  }
  return total;
}

function changeCount(values: readonly ReduceInput[]): number {
  let changes = 0;
  for (let i = 1; i < values.length; i++) if (orNull(values[i]) !== orNull(values[i - 1])) changes++;
  return changes;
}

function sortedNumbers(values: readonly ReduceInput[]): number[] {
  return numbers(values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
}

function median(values: readonly ReduceInput[]): number | null {
  const s = sortedNumbers(values);
  if (s.length === 0) return null;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The nearest-rank percentile `p` (0-1) of the numbers. */
function percentile(p: number): Reducer {
  return (values) => {
    const s = sortedNumbers(values);
    return s.length ? s[Math.round((s.length - 1) * p)] : null;
  };
}

const REDUCERS: Record<string, Reducer> = {
  lastNotNull: lastPresent,
  last: (v) => orNull(v[v.length - 1]),
  firstNotNull: firstPresent,
  first: (v) => orNull(v[0]),
  min,
  max,
  mean,
  sum,
  count: (v) => v.length,
  range: (v) => {
    const [lo, hi] = [min(v), max(v)];
    return lo === null || hi === null ? null : hi - lo;
  },
  delta,
  diff: (v) => {
    const fl = firstLastNumbers(v);
    return fl ? fl[1] - fl[0] : null;
  },
  diffperc: (v) => {
    const fl = firstLastNumbers(v);
    return fl ? ((fl[1] - fl[0]) / fl[0]) * 100 : null;
  },
  changeCount,
  distinctCount: (v) => new Set(v.map(orNull)).size,
  median,
  stdDev: (v) => {
    const varc = variance(v);
    return varc === null ? null : Math.sqrt(varc);
  },
  variance,
  logmin: (v) => extreme(v.filter((x) => isNumber(x) && x > 0), (a, b) => a < b),
  allIsNull: (v) => v.every((x) => x === null || x === undefined),
  allIsZero: (v) => {
    const nonNull = v.filter((x) => x !== null && x !== undefined);
    return nonNull.length > 0 && nonNull.every((x) => x === 0);
  },
  step: (v) => {
    const nums = numbers(v);
    let best: number | null = null;
    for (let i = 1; i < nums.length; i++) {
      const s = nums[i] - nums[i - 1];
      if (best === null || s < best) best = s;
    }
    return best;
  },
};

for (let p = 1; p <= 99; p++) REDUCERS[`p${p}`] = percentile(p / 100);

/** Whether `id` names a known reducer. */
export function isReducer(id: string): boolean {
  return Object.hasOwn(REDUCERS, id);
}

/** Reduces `values` with reducer `id`; null for an unknown id. */
export function reduce(values: readonly ReduceInput[], id: string): ReduceResult {
  return isReducer(id) ? REDUCERS[id](values) : null;
}

/** Each reducer wanted, by id, in one pass of the caller's code. */
export function reduceAll(values: readonly ReduceInput[], ids: readonly string[]): Record<string, ReduceResult> {
  return Object.fromEntries(ids.map((id) => [id, reduce(values, id)]));
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** Reducer ids with the names Grafana's calculation picker shows, in its order. */
export const reducerNames: readonly { id: string; name: string; description: string }[] = [
  { id: 'lastNotNull', name: 'Last *', description: 'Last non-null value (also excludes NaNs)' },
  { id: 'last', name: 'Last', description: 'Last value' },
  { id: 'firstNotNull', name: 'First *', description: 'First non-null value (also excludes NaNs)' },
  { id: 'first', name: 'First', description: 'First value' },
  { id: 'min', name: 'Min', description: 'Minimum value' },
  { id: 'max', name: 'Max', description: 'Maximum value' },
  { id: 'mean', name: 'Mean', description: 'Average value' },
  { id: 'variance', name: 'Variance', description: 'Variance of all values in a field' },
  { id: 'stdDev', name: 'StdDev', description: 'Standard deviation of all values in a field' },
  { id: 'sum', name: 'Total', description: 'The sum of all values' },
  { id: 'count', name: 'Count', description: 'Number of values in response' },
  { id: 'range', name: 'Range', description: 'Difference between minimum and maximum values' },
  { id: 'delta', name: 'Delta', description: 'Cumulative change in value' },
  { id: 'step', name: 'Step', description: 'Minimum interval between values' },
  { id: 'diff', name: 'Difference', description: 'Difference between first and last values' },
  { id: 'logmin', name: 'Min (above zero)', description: 'Used for log min scale' },
  { id: 'allIsZero', name: 'All Zeros', description: 'All values are zero' },
  { id: 'allIsNull', name: 'All Nulls', description: 'All values are null' },
  { id: 'changeCount', name: 'Change count', description: 'Number of times the value changes' },
  { id: 'distinctCount', name: 'Distinct count', description: 'Number of distinct values' },
  { id: 'diffperc', name: 'Difference percent', description: 'Percentage difference between first and last values' },
  { id: 'median', name: 'Median', description: 'Median value' },
  ...Array.from({ length: 99 }, (_, i) => ({
    id: `p${i + 1}`,
    name: `${ordinal(i + 1)} %`,
    description: `${ordinal(i + 1)} percentile value`,
  })),
];
