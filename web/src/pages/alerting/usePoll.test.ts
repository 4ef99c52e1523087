// The alerting page's refresh: every 10 s while the tab is visible, none while hidden, one at
// once when shown again, never two requests at a time, errors reported as ApiError.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { describeError, Poller, REFRESH_MS } from './usePoll';

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('Poller', () => {
  let hidden = false;
  let loads = 0;
  let data: number[] = [];
  let errors: ApiError[] = [];
  let poller: Poller<number>;
  const make = (load: () => Promise<number> = async () => ++loads) =>
    new Poller<number>({ load, onData: (d) => data.push(d), onError: (e) => errors.push(e), hidden: () => hidden });

  beforeEach(() => {
    vi.useFakeTimers();
    hidden = false;
    loads = 0;
    data = [];
    errors = [];
  });
  afterEach(() => {
    poller?.stop();
    vi.useRealTimers();
  });

  it('loads at once and every 10 s', async () => {
    poller = make();
    poller.run();
    await flush();
    expect(data).toEqual([1]);
    await vi.advanceTimersByTimeAsync(REFRESH_MS - 1);
    expect(data).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(data).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(REFRESH_MS);
    await flush();
    expect(data).toEqual([1, 2, 3]);
  });

  it('pauses while the tab is hidden and catches up when shown', async () => {
    poller = make();
    poller.run();
    await flush();
    hidden = true;
    poller.visibilityChanged();
    await vi.advanceTimersByTimeAsync(5 * REFRESH_MS);
    expect(loads).toBe(1);
    hidden = false;
    poller.visibilityChanged();
    await flush();
    expect(loads).toBe(2);
    await vi.advanceTimersByTimeAsync(REFRESH_MS);
    await flush();
    expect(loads).toBe(3);
  });

  it('never runs two loads at once: a reload during a slow load follows it', async () => {
    const pending: ((n: number) => void)[] = [];
    poller = make(() => new Promise<number>((res) => pending.push(res)));
    poller.run();
    poller.run();
    poller.run();
    expect(pending).toHaveLength(1);
    pending[0](1);
    await flush();
    expect(pending).toHaveLength(2);
    pending[1](2);
    await flush();
    expect(data).toEqual([1, 2]);
    expect(pending).toHaveLength(2);
  });

  it('reports errors and keeps polling; stops for good', async () => {
    let n = 0;
    poller = make(async () => {
      if (++n === 1) throw new ApiError(404, 'not found');
      throw new Error('boom');
    });
    poller.run();
    await flush();
    await vi.advanceTimersByTimeAsync(REFRESH_MS);
    await flush();
    expect(errors.map((e) => [e.status, e.message])).toEqual([
      [404, 'not found'],
      [0, 'boom'],
    ]);
    poller.stop();
    await vi.advanceTimersByTimeAsync(3 * REFRESH_MS);
    expect(n).toBe(2);
  });
});

describe('describeError', () => {
  it.each<[number, RegExp]>([
    [401, /^Sign in to see the rules/],
    [403, /may not see the rules/],
    [404, /HTTP 404/],
    [500, /Could not load the rules: x/],
  ])('%i', (status, re) => {
    expect(describeError(new ApiError(status, 'x'), 'the rules')).toMatch(re);
  });
});
