// The live data of one subscription, kept in plain arrays: a `replace` frame resets a series'
// window, an append frame pushes points onto it, and points older than the window are dropped
// (in chunks, so trimming costs O(1) amortized per point). Consumers read `series` directly.

import type { Series } from '../data/frame';

/** The key of a series: its name and sorted labels. */
export function seriesKey(s: Pick<Series, 'name' | 'labels'>): string {
  const labels = s.labels ?? {};
  const keys = Object.keys(labels).sort();
  let k = s.name;
  for (const key of keys) k += `\u0000${key}=${labels[key]}`;
  return k;
}

export class PanelData {
  /** The series in first-seen order. */
  readonly series: Series[] = [];
  private readonly index = new Map<string, number>();
  /** Increases on every change. */
  version = 0;
  /** True if the last change only appended points. */
  appended = false;

  /**
   * @param windowMs how much history to keep behind the newest point (0 keeps everything,
   *   as for an absolute time range).
   */
  constructor(private windowMs = 0) {}

  setWindow(ms: number): void {
    this.windowMs = ms;
  }

  /** Applies a server frame. */
  apply(replace: boolean, frame: Series[]): void {
    if (replace) {
      this.series.length = 0;
      this.index.clear();
      for (const s of frame) this.add({ name: s.name, labels: s.labels, t: s.t.slice(), v: s.v.slice(), refId: s.refId });
      this.appended = false;
    } else {
      for (const s of frame) {
        const i = this.index.get(seriesKey(s));
        if (i === undefined) {
          this.add({ name: s.name, labels: s.labels, t: s.t.slice(), v: s.v.slice(), refId: s.refId });
          continue;
        }
        const target = this.series[i];
        const last = target.t.length ? target.t[target.t.length - 1] : -Infinity;
        for (let j = 0; j < s.t.length; j++) {
          if (s.t[j] > last) {
            target.t.push(s.t[j]);
            target.v.push(s.v[j]);
          } else if (s.t[j] === last) {
            target.v[target.v.length - 1] = s.v[j];
          }
        }
      }
      this.appended = true;
      this.trim();
    }
    this.version++;
  }

  /** Drops everything (e.g. the time range changed). */
  clear(): void {
    this.series.length = 0;
    this.index.clear();
    this.appended = false;
    this.version++;
  }

  private add(s: Series): void {
    this.index.set(seriesKey(s), this.series.length);
    this.series.push(s);
  }

  private trim(): void {
    if (this.windowMs <= 0) return;
    let newest = -Infinity;
    for (const s of this.series) if (s.t.length) newest = Math.max(newest, s.t[s.t.length - 1]);
    const cutoff = newest - this.windowMs;
    for (const s of this.series) {
      // Drop in chunks of at least 64 points so a steady stream does not shift on every point.
      let n = 0;
      while (n < s.t.length && s.t[n] < cutoff) n++;
      if (n >= 64 || (n > 0 && n === s.t.length)) {
        s.t.splice(0, n);
        s.v.splice(0, n);
      }
    }
  }
}
