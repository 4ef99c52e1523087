import { describe, expect, it } from 'vitest';
import { joinByField } from './join';
import { cpu, col, names, promSeries, table } from './transform/testFrames';

describe('joinByField', () => {
  it('joins series sharing one time array on the fast path, keeping labels', () => {
    const j = joinByField(cpu())!;
    expect(names(j)).toEqual(['Time', 'node_cpu_seconds_total', 'node_cpu_seconds_total']);
    expect(j.fields[0].values).toEqual([1000, 11000, 21000]);
    expect(j.fields[2].labels).toEqual({ instance: 'node1:9100', mode: 'user' });
    expect(j.length).toBe(3);
  });

  it('outer-joins unaligned series sorted by time, null where a series has no point', () => {
    const a = promSeries('a', {}, [1000, 3000], [1, 3]);
    const b = promSeries('b', {}, [2000, 3000, 4000], [20, 30, 40]);
    const j = joinByField([a, b])!;
    expect(j.fields[0].values).toEqual([1000, 2000, 3000, 4000]);
    expect(col(j, 'a')).toEqual([1, null, 3, null]);
    expect(col(j, 'b')).toEqual([null, 20, 30, 40]);
  });

  it('inner join keeps only keys present in every frame', () => {
    const a = promSeries('a', {}, [1000, 3000], [1, 3]);
    const b = promSeries('b', {}, [2000, 3000], [20, 30]);
    const j = joinByField([a, b], undefined, 'inner')!;
    expect(j.fields[0].values).toEqual([3000]);
    expect(col(j, 'a')).toEqual([3]);
  });

  it('joins tables on a named string field, sorted, last duplicate winning', () => {
    const a = table({ pvc: ['string', ['uploads', 'pg-data']], used: ['number', [5, 40]] });
    const b = table({ pvc: ['string', ['pg-data', 'uploads', 'cache']], size: ['number', [100, 20, 1]] });
    const j = joinByField([a, b], 'pvc')!;
    expect(names(j)).toEqual(['pvc', 'used', 'size']);
    expect(j.fields[0].values).toEqual(['cache', 'pg-data', 'uploads']);
    expect(col(j, 'used')).toEqual([null, 40, 5]);
  });

  it('handles unsorted numeric keys and skips frames without the join field', () => {
    const a = table({ Time: ['time', [3000, 1000]], v: ['number', [3, 1]] });
    const b = table({ other: ['string', ['x']] });
    const j = joinByField([a, b])!;
    expect(j.fields[0].values).toEqual([1000, 3000]);
    expect(col(j, 'v')).toEqual([1, 3]);
    expect(joinByField([b])).toBeUndefined();
  });

  it('names a bare Value field after its frame', () => {
    const a = { ...table({ Time: ['time', [1]], Value: ['number', [1]] }), name: 'up' };
    const b = { ...table({ Time: ['time', [1]], Value: ['number', [2]] }), name: 'down' };
    expect(names(joinByField([a, b])!)).toEqual(['Time', 'up', 'down']);
  });

  it('does not mutate its inputs', () => {
    const frames = cpu();
    const before = JSON.stringify(frames);
    joinByField(frames);
    expect(JSON.stringify(frames)).toBe(before);
  });

  it('micro-benchmark: 10 series x 1000 points (prints only)', () => {
    const t = Array.from({ length: 1000 }, (_, i) => i * 1000);
    const shared = Array.from({ length: 10 }, (_, s) => promSeries(`s${s}`, {}, t, t.map((x) => x + s)));
    const shifted = Array.from({ length: 10 }, (_, s) =>
      promSeries(`s${s}`, {}, t.map((x) => x + s * 7), t.map((x) => x + s)),
    );
    for (const [label, frames] of [['shared time', shared], ['unaligned time', shifted]] as const) {
      const runs = 50;
      for (let i = 0; i < 10; i++) joinByField(frames); // warm-up
      const start = performance.now();
      for (let i = 0; i < runs; i++) joinByField(frames);
      console.log(`joinByField ${label}: ${((performance.now() - start) / runs).toFixed(3)} ms / join`);
    }
    expect(joinByField(shifted)!.length).toBe(10000);
  });
});
