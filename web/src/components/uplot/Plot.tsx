// A thin Preact wrapper around uPlot, after Grafana's `uPlot/Plot.tsx`: the plot is created once
// per `options` identity, live data goes through `setData` when `version` changes, a resize
// through `setSize`; nothing else rebuilds the canvas. Callers build `options` with pure helpers
// and memoize them, so a rebuild happens only when panel options, fieldConfig, theme or the size
// class change.

import { useLayoutEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** uPlot options without the size, which the wrapper owns. */
export type PlotOptions = Omit<uPlot.Options, 'width' | 'height'>;

export interface PlotProps {
  /** Rebuilds the plot when its identity changes: memoize it. */
  options: PlotOptions;
  /** Read by uPlot as is; may be the same arrays updated in place. */
  data: uPlot.AlignedData;
  /** Increases whenever `data` changed (in place or not). */
  version: number;
  width: number;
  height: number;
  /** Called after each (re)creation, e.g. to subscribe to a shared crosshair. */
  onCreate?(u: uPlot): void;
  /** Called before the plot is destroyed (rebuild or unmount). */
  onDestroy?(u: uPlot): void;
  class?: string;
}

/** Renders one uPlot instance into a div and keeps it in step with its props. */
export function Plot(props: PlotProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;
  // What the current plot already shows, so the effects below skip redundant calls.
  const shown = useRef({ data: null as uPlot.AlignedData | null, version: -1, width: -1, height: -1 });

  useLayoutEffect(() => {
    const p = latest.current;
    if (!host.current) return;
    const width = Math.max(1, Math.floor(p.width));
    const height = Math.max(1, Math.floor(p.height));
    // Each draw bumps `data-drawn` on the panel, a cheap signal for tests and benchmarks.
    let draws = 0;
    const marked: uPlot.Options['hooks'] = {
      ...p.options.hooks,
      draw: [
        ...(p.options.hooks?.draw ?? []),
        (u: uPlot) => u.root.closest('section.panel')?.setAttribute('data-drawn', String(++draws)),
      ],
    };
    const u = new uPlot({ ...p.options, width, height, hooks: marked }, p.data, host.current);
    plot.current = u;
    shown.current = { data: p.data, version: p.version, width, height };
    p.onCreate?.(u);
    return () => {
      latest.current.onDestroy?.(u);
      u.destroy();
      if (plot.current === u) plot.current = null;
    };
  }, [props.options]);

  useLayoutEffect(() => {
    const u = plot.current;
    if (!u) return;
    if (shown.current.version === props.version && shown.current.data === props.data) return;
    shown.current.version = props.version;
    shown.current.data = props.data;
    u.setData(props.data);
  }, [props.version, props.data]);

  useLayoutEffect(() => {
    const u = plot.current;
    if (!u) return;
    const width = Math.max(1, Math.floor(props.width));
    const height = Math.max(1, Math.floor(props.height));
    if (shown.current.width === width && shown.current.height === height) return;
    shown.current.width = width;
    shown.current.height = height;
    u.setSize({ width, height });
  }, [props.width, props.height]);

  return <div ref={host} class={props.class ?? 'uplot-host'} />;
}
