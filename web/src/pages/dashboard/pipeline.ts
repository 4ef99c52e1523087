// From live series to what a panel draws: series → frames → the panel's transformations →
// field config (defaults + overrides). Pure, so it is unit-tested without a browser.

import type { Panel } from '../../api/dashboard';
import { type DataFrame, type Series, seriesToFrame } from '../../data/frame';
import { applyTransformations } from '../../data/transform';
import { applyFieldConfig } from '../../data/fieldConfig';

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
