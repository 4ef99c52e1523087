//! Alert state on a time series panel, as Grafana shows it: the periods in which the rules
//! linked to the panel (annotations `__dashboardUid__` and `__panelId__`) were pending, firing,
//! without data or in error, drawn as translucent bands with a marker at their start.
//!
//! Cheap by construction: which panels have linked rules is learned once a minute from
//! `/api/v1/rules` for the whole page, only those panels ask `/api/alerting/annotations`, on
//! load and when their range changes (a sliding live range at most every 10 s), and the bands
//! are painted by a uPlot `draw` hook on the plot's own canvas (a new answer redraws the canvas,
//! it does not render the component). Any failure shows nothing.

import type uPlot from 'uplot';
import { alertingApi, type AlertPeriod } from '../../api/alerting';
import { resolveColor } from '../../lib/colors';
import { withAlpha } from '../../components/uplot/theme';

/** Band colors by state (Grafana's alerting colors). */
export const ALERT_STATE_COLORS: Record<AlertPeriod['state'], string> = {
  pending: resolveColor('orange'),
  firing: resolveColor('red'),
  nodata: '#8E8E9E',
  error: '#8E8E9E',
};

/** A sliding range asks again at most this often. */
export const LIVE_REFETCH_MS = 10_000;
/** Which panels have linked rules is learned again after this long. */
export const LINKS_TTL_MS = 60_000;

/** A period on the canvas: pixel columns, already clipped to the plot area. */
export interface AlertBand {
  x0: number;
  x1: number;
  state: AlertPeriod['state'];
  /** Whether the period starts inside the range (then its start marker is drawn). */
  startVisible: boolean;
  period: AlertPeriod;
}

/**
 * The bands of `periods` on an x scale `[min, max]` drawn over `width` pixels from `left`
 * (time maps linearly to pixels). An ongoing period (`timeEnd` null) lasts until `now`;
 * periods wholly outside the range are dropped, the others clipped to it.
 */
export function alertBands(
  periods: readonly AlertPeriod[],
  scale: { min: number; max: number },
  box: { left: number; width: number },
  now: number,
): AlertBand[] {
  const { min, max } = scale;
  if (!(max > min) || !(box.width > 0)) return [];
  const px = (t: number) => box.left + ((t - min) / (max - min)) * box.width;
  const out: AlertBand[] = [];
  for (const p of periods) {
    const end = p.timeEnd ?? Math.max(now, p.time);
    if (end < min || p.time > max) continue;
    const t0 = Math.max(p.time, min);
    const t1 = Math.min(end, max);
    out.push({ x0: px(t0), x1: px(t1), state: p.state, startVisible: p.time >= min, period: p });
  }
  return out;
}

/** The periods covering time `t` (the tooltip's alert rows). */
export function periodsAt(periods: readonly AlertPeriod[], t: number, now: number): AlertPeriod[] {
  return periods.filter((p) => p.time <= t && t <= (p.timeEnd ?? Math.max(now, p.time)));
}

/** A short text of a period: `HighTemp firing (9.5)`. */
export function periodText(p: AlertPeriod): string {
  return `${p.alertname} ${p.state}${p.value !== null ? ` (${Number(p.value.toPrecision(6))})` : ''}`;
}

/** The dashboard uid of a page path (`/d/{uid}` or `/d/{uid}/{slug}`), or null. */
export function dashboardUidFromPath(path: string): string | null {
  const m = /^\/d\/([^/]+)/.exec(path);
  return m ? decodeURIComponent(m[1]) : null;
}

function pixelRatio(): number {
  return typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
}

/**
 * Paints the bands on the plot (a `draw` hook): a translucent fill over the plot's height, a
 * line at each visible start and a small triangle under it on the x axis line. Marks the plot's
 * root with `data-alert-states` (e.g. `firing pending`) for tests and scrapers.
 */
export function drawAlertBands(u: uPlot, periods: readonly AlertPeriod[], now: number): void {
  const sc = u.scales.x;
  const states = new Set<string>();
  if (periods.length && sc && sc.min != null && sc.max != null) {
    const { left, top, width, height } = u.bbox;
    const bands = alertBands(periods, { min: sc.min, max: sc.max }, { left, width }, now);
    const ctx = u.ctx;
    const dpr = pixelRatio();
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    for (const b of bands) {
      states.add(b.state);
      const color = ALERT_STATE_COLORS[b.state];
      ctx.fillStyle = withAlpha(color, 0.15);
      ctx.fillRect(b.x0, top, Math.max(1, b.x1 - b.x0), height);
      if (!b.startVisible) continue;
      const x = Math.round(b.x0) + 0.5;
      ctx.strokeStyle = withAlpha(color, 0.9);
      ctx.lineWidth = dpr;
      ctx.setLineDash([4 * dpr, 4 * dpr]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      const s = 5 * dpr;
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.moveTo(x - s, top + height);
      ctx.lineTo(x + s, top + height);
      ctx.lineTo(x, top + height - s * 1.4);
      ctx.closePath();
      ctx.fill();
    }
    ctx.restore();
  }
  const mark = [...states].sort().join(' ');
  if ((u.root.dataset.alertStates ?? '') !== mark) {
    if (mark) u.root.dataset.alertStates = mark;
    else delete u.root.dataset.alertStates;
  }
}

// ---------------------------------------------------------------------------------------------
// Which panels have linked rules: one `/api/v1/rules` per minute for the whole page.

let links: { at: number; keys: Promise<ReadonlySet<string>> } | null = null;

const linkKey = (dashboardUid: string, panelId: number | string) => `${dashboardUid}\u0000${panelId}`;

/** `dashboardUid + panelId` keys of the panels that alerting rules link to (empty on failure). */
export function linkedPanels(now: number = Date.now()): Promise<ReadonlySet<string>> {
  if (!links || now - links.at > LINKS_TTL_MS) {
    const keys = alertingApi.rules().then(
      (groups) => {
        const out = new Set<string>();
        for (const g of groups) {
          for (const r of g.rules) {
            if (r.type !== 'alerting') continue;
            const uid = r.annotations.__dashboardUid__;
            const id = r.annotations.__panelId__;
            if (uid && id) out.add(linkKey(uid, id.trim()));
          }
        }
        return out;
      },
      () => new Set<string>(),
    );
    links = { at: now, keys };
  }
  return links.keys;
}

/** Forgets the linked panels (tests, and after a rules change). */
export function resetLinkedPanels(): void {
  links = null;
}

interface Range {
  from: number;
  to: number;
}

/**
 * When to ask again for a new range, given the last asked one: now (0) on the first ask or a
 * jump (zoom, another span, a range moved back or past the last one), after what is left of
 * `LIVE_REFETCH_MS` while the same span slides forward, never (null) for the same range.
 */
export function refetchDelay(last: (Range & { at: number }) | null, next: Range, now: number): number | null {
  if (!last) return 0;
  if (last.from === next.from && last.to === next.to) return null;
  const span = last.to - last.from;
  const nextSpan = next.to - next.from;
  const sameSpan = Math.abs(nextSpan - span) <= Math.max(1000, span * 0.01);
  const sliding = sameSpan && next.to >= last.to && next.from <= last.to;
  if (!sliding) return 0;
  return Math.max(0, last.at + LIVE_REFETCH_MS - now);
}

/**
 * A panel's alert periods, kept current for its range: call `update` on every range change;
 * `onChange` runs when new periods arrived (to redraw the canvas). `periods` is what to draw.
 */
export class PanelAlertPeriods {
  periods: AlertPeriod[] = [];
  private last: (Range & { at: number }) | null = null;
  private pending: Range | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;
  private disposed = false;

  constructor(
    private readonly dashboardUid: string,
    private readonly panelId: number,
    private readonly onChange: () => void,
    private readonly clock: () => number = Date.now,
  ) {}

  update(range: Range): void {
    if (this.disposed || !(range.to > range.from)) return;
    const now = this.clock();
    const delay = refetchDelay(this.last, range, now);
    if (delay === null) return;
    if (delay === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.pending = null;
      void this.fetch(range);
      return;
    }
    this.pending = range;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        const r = this.pending;
        this.pending = null;
        if (r) void this.fetch(r);
      }, delay);
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }

  private async fetch(range: Range): Promise<void> {
    const seq = ++this.seq;
    this.last = { ...range, at: this.clock() };
    let periods: AlertPeriod[] = [];
    const linked = await linkedPanels(this.clock());
    if (linked.has(linkKey(this.dashboardUid, this.panelId))) {
      periods = await alertingApi.annotations(this.dashboardUid, this.panelId, range.from, range.to).catch(() => []);
    }
    if (this.disposed || seq !== this.seq) return;
    if (samePeriods(periods, this.periods)) return;
    this.periods = periods;
    this.onChange();
  }
}

function samePeriods(a: readonly AlertPeriod[], b: readonly AlertPeriod[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => {
    const q = b[i];
    return p.time === q.time && p.timeEnd === q.timeEnd && p.state === q.state && p.alertname === q.alertname && p.value === q.value;
  });
}
