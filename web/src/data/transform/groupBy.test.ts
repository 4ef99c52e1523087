import { describe, expect, it } from 'vitest';
import { groupBy } from './groupBy';
import { col, names, table } from './testFrames';

describe('groupBy', () => {
  const requests = table({
    Time: ['time', [1, 2, 3, 4]],
    job: ['string', ['api', 'db', 'api', 'api']],
    status: ['string', ['200', '200', '500', '200']],
    Value: ['number', [10, 4, 2, 30]],
  });

  it('groups by one field, aggregation columns named "<field> (<reducer>)"', () => {
    const [out] = groupBy([requests], {
      fields: { job: { operation: 'groupby', aggregations: [] }, Value: { operation: 'aggregate', aggregations: ['sum', 'mean', 'lastNotNull', 'count'] } },
    });
    expect(names(out)).toEqual(['job', 'Value (sum)', 'Value (mean)', 'Value (lastNotNull)', 'Value (count)']);
    expect(col(out, 'job')).toEqual(['api', 'db']);
    expect(col(out, 'Value (sum)')).toEqual([42, 4]);
    expect(col(out, 'Value (mean)')).toEqual([14, 4]);
    expect(out.fields[3].type).toBe('number');
    expect(out.length).toBe(2);
  });

  it('groups by several fields in order of first appearance', () => {
    const [out] = groupBy([requests], {
      fields: { job: { operation: 'groupby' }, status: { operation: 'groupby' }, Time: { operation: 'aggregate', aggregations: ['max'] } },
    });
    expect(col(out, 'job')).toEqual(['api', 'db', 'api']);
    expect(col(out, 'status')).toEqual(['200', '200', '500']);
    expect(col(out, 'Time (max)')).toEqual([4, 2, 3]);
  });

  it('no group-by field: unchanged; frames without one are dropped', () => {
    expect(groupBy([requests], { fields: { Value: { operation: 'aggregate', aggregations: ['sum'] } } })).toEqual([requests]);
    const other = table({ x: ['number', [1]] });
    expect(groupBy([requests, other], { fields: { job: { operation: 'groupby' } } })).toHaveLength(1);
  });
});
