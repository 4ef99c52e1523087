// A hover tooltip for uPlot panels: fixed-positioned next to the cursor (so the panel's
// overflow does not clip it), flipped at the window edges, with its own state so a mouse move
// re-renders only the tooltip.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** What a panel hands to `TooltipController.show`. */
export interface TooltipContent {
  /** Viewport coordinates of the cursor. */
  x: number;
  y: number;
  body: ComponentChildren;
}

/** The panel's handle on its tooltip. */
export interface TooltipController {
  show(content: TooltipContent): void;
  hide(): void;
}

/** Creates a controller whose calls reach the mounted `<Tooltip>`. */
export function createTooltipController(): TooltipController & { bind(fn: (c: TooltipContent | null) => void): () => void } {
  let target: ((c: TooltipContent | null) => void) | null = null;
  return {
    show: (c) => target?.(c),
    hide: () => target?.(null),
    bind(fn) {
      target = fn;
      return () => {
        if (target === fn) target = null;
      };
    },
  };
}

/** Renders what the controller shows. */
export function Tooltip(props: { controller: ReturnType<typeof createTooltipController> }) {
  const [content, setContent] = useState<TooltipContent | null>(null);
  useEffect(() => props.controller.bind(setContent), [props.controller]);
  if (!content) return null;
  const vw = typeof window !== 'undefined' ? window.innerWidth : 1e4;
  const vh = typeof window !== 'undefined' ? window.innerHeight : 1e4;
  const style: Record<string, string> = {};
  if (content.x + 340 > vw) style.right = `${vw - content.x + 12}px`;
  else style.left = `${content.x + 12}px`;
  if (content.y + 200 > vh) style.bottom = `${vh - content.y + 12}px`;
  else style.top = `${content.y + 12}px`;
  return (
    <div class="pg-tooltip" style={style} role="tooltip">
      {content.body}
    </div>
  );
}
