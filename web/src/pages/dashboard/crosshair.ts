// The shared crosshair of a dashboard: time series panels publish the hovered time and draw a
// line where the others point.

import type { Crosshair } from '../../panels/types';

export function createCrosshair(): Crosshair {
  const listeners = new Set<(t: number | null, source: number) => void>();
  return {
    publish(time, source) {
      for (const fn of listeners) fn(time, source);
    },
    listen(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
