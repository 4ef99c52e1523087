// The contract between the dashboard page and a panel renderer. The page owns the live data
// (plain arrays, updated in place by WebSocket frames) and calls a renderer at most once per
// animation frame; framework state holds only layout and options.

import type { ComponentType } from 'preact';
import type { Panel } from '../api/dashboard';
import type { DataFrame } from '../data/frame';

/** The panel's visible time window, in epoch ms. */
export interface TimeRange {
  from: number;
  to: number;
}

/** A shared crosshair: a time series publishes the hovered time, the others draw a line there. */
export interface Crosshair {
  /** The hovered time, or null when the pointer left. `source` is the publishing panel id. */
  publish(time: number | null, source: number): void;
  /** Called on every move; returns the unsubscribe function. */
  listen(fn: (time: number | null, source: number) => void): () => void;
}

/** What a panel renderer gets. */
export interface PanelProps {
  /** The panel after legacy migration and variable interpolation. */
  panel: Panel;
  /**
   * The data: frames after transformations, each field's `config` already merged from
   * `fieldConfig.defaults` and overrides. Same array identity until data changes; `version`
   * increases on every change (live points appended, or replaced).
   */
  frames: DataFrame[];
  version: number;
  /** True when the last frame only appended points to the previous data. */
  appended: boolean;
  /** Pixel size of the panel's content area (below the header). */
  width: number;
  height: number;
  timeRange: TimeRange;
  /** 'browser', 'utc' or an IANA zone. */
  timeZone: string;
  theme: 'dark' | 'light';
  crosshair: Crosshair;
  /** Zoom the dashboard to a time range (drag-select on a time series). */
  onZoom(range: TimeRange): void;
  /**
   * Series drawn shifted forward by `overlayShiftMs` (the "compare with" overlay): the same
   * panel's data from a day or week before, already moved onto the current time axis.
   */
  overlay?: DataFrame[];
}

/** A renderer for one panel type. */
export type PanelComponent = ComponentType<PanelProps>;
