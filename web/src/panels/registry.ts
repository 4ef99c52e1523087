// Panel types by Grafana id. Legacy ids are mapped by `migrate.ts` before lookup; unknown
// types render a placeholder that names the type instead of breaking the page.

import type { PanelComponent } from './types';

const renderers = new Map<string, PanelComponent>();

/** Registers the renderer of a panel type. */
export function registerPanel(type: string, component: PanelComponent): void {
  renderers.set(type, component);
}

/** The renderer of a panel type, if known. */
export function panelRenderer(type: string): PanelComponent | undefined {
  return renderers.get(type);
}

/** Panel types that have a renderer. */
export function knownPanelTypes(): string[] {
  return [...renderers.keys()].sort();
}
