//! Pointer behaviour shared by the uPlot panels: publish the hovered time on the dashboard's
//! crosshair, draw the cursor line where another panel publishes, and turn a drag-select into a
//! dashboard zoom (the plot itself never zooms locally).

import type uPlot from 'uplot';
import type { Crosshair, TimeRange } from '../../panels/types';

/** What the hooks read at event time (kept in a ref by the panel). */
export interface InteractionContext {
  panelId: number;
  crosshair: Crosshair;
  onZoom(range: TimeRange): void;
  /** Called on every cursor move over this plot (idx null when leaving). */
  onHover?(u: uPlot): void;
  /** Called when the pointer leaves the plot. */
  onLeave?(): void;
}

const HOVER = Symbol('pgHover');
const CLEANUP = Symbol('pgCleanup');
type Tagged = uPlot & { [HOVER]?: boolean; [CLEANUP]?: () => void };

/** Adds the cursor and select hooks and the drag-to-zoom cursor options to `opts`. */
export function addInteractions(opts: Omit<uPlot.Options, 'width' | 'height'>, ctx: () => InteractionContext): void {
  opts.cursor = { ...opts.cursor, drag: { x: true, y: false, setScale: false, ...opts.cursor?.drag } };
  const hooks = (opts.hooks ??= {});
  (hooks.setCursor ??= []).push((u) => {
    if (!(u as Tagged)[HOVER]) return;
    const c = ctx();
    const left = u.cursor.left ?? -1;
    c.crosshair.publish(left >= 0 ? u.posToVal(left, 'x') : null, c.panelId);
    c.onHover?.(u);
  });
  (hooks.setSelect ??= []).push((u) => {
    const sel = u.select;
    if (sel.width > 3) {
      const from = u.posToVal(sel.left, 'x');
      const to = u.posToVal(sel.left + sel.width, 'x');
      if (to > from) ctx().onZoom({ from: Math.round(from), to: Math.round(to) });
    }
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  });
}

/** Tracks hovering and follows the shared crosshair; call from Plot's onCreate. */
export function attachCrosshair(u: uPlot, ctx: () => InteractionContext): void {
  const t = u as Tagged;
  const enter = () => (t[HOVER] = true);
  const leave = () => {
    t[HOVER] = false;
    const c = ctx();
    c.crosshair.publish(null, c.panelId);
    c.onLeave?.();
  };
  u.over.addEventListener('mouseenter', enter);
  u.over.addEventListener('mouseleave', leave);
  const unlisten = ctx().crosshair.listen((time, source) => {
    if (source === ctx().panelId || t[HOVER]) return;
    if (time == null) u.setCursor({ left: -10, top: -10 }, false);
    else u.setCursor({ left: u.valToPos(time, 'x'), top: 1 }, false);
  });
  t[CLEANUP] = () => {
    unlisten();
    u.over.removeEventListener('mouseenter', enter);
    u.over.removeEventListener('mouseleave', leave);
  };
}

/** Undoes `attachCrosshair`; call from Plot's onDestroy. */
export function detachCrosshair(u: uPlot): void {
  (u as Tagged)[CLEANUP]?.();
}
