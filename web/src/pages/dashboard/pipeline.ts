// From live series to what a panel draws: series → frames → the panel's transformations →
// field config (defaults + overrides). Pure, so it is unit-tested without a browser.

import type { Panel } from '../../api/dashboard';
import { type DataFrame, type Series, seriesToFrame } from '../../data/frame';
import { applyTransformations } from '../../data/transform';
import { applyFieldConfig } from '../../data/fieldConfig';
import { parseTime, shiftRange } from '../../lib/time';
import type { TimeRange } from '../../panels/types';

export interface PanelFrames {
  frames: DataFrame[];
  warnings: string[];
}

/** The frames of a panel's series. `shiftMs` moves every point forward (compare overlays). */
export function panelFrames(panel: Panel, series: Series[], shiftMs = 0): PanelFrames {
  let frames = series.map((s) => seriesToFrame(shiftMs ? { ...s, t: s.t.map((t) => t + shiftMs) } : s));
  let warnings: string[] = [];
  if (panel.transformations?.length) {
    const out = applyTransformations(frames, panel.transformations);
    frames = out.frames;
    warnings = out.warnings;
  }
  frames = applyFieldConfig(frames, { defaults: panel.fieldConfig?.defaults ?? {}, overrides: panel.fieldConfig?.overrides ?? [] });
  return { frames, warnings };
}

/**
 * A panel's own window, as the server queries it: `timeFrom` replaces the dashboard range with
 * the last `timeFrom` up to now, `timeShift` moves both ends back (Grafana's panel time overrides).
 */
export function panelTimeRange(panel: Pick<Panel, 'timeFrom' | 'timeShift'>, range: TimeRange, now: number): TimeRange {
  let out = range;
  const from = panel.timeFrom?.trim();
  if (from) {
    const start = parseTime(from.startsWith('now') ? from : `now-${from}`, now, false);
    if (!Number.isNaN(start)) out = { from: start, to: now };
  }
  const shift = panel.timeShift?.trim();
  if (shift) out = shiftRange(out, shift);
  return out;
}
