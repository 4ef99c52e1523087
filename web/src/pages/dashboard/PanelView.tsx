// One panel on the grid: its header (title, status, menu), its live subscription, and its
// renderer. Frames update plain arrays in a PanelData; the renderer runs at most once per
// animation frame however many frames arrive (and not at all in a hidden tab).

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Panel } from '../../api/dashboard';
import { PanelData } from '../../live/panelData';
import { liveClient, type LiveMessage, type SubscribeSpec } from '../../live/socket';
import { panelRenderer } from '../../panels/registry';
import type { Crosshair, TimeRange } from '../../panels/types';
import { panelFrames, panelTimeRange } from './pipeline';
import { displayName } from '../../data/frame';

export interface PanelContext {
  dashboardUid: string;
  from: string;
  to: string;
  range: TimeRange;
  vars: Record<string, string | string[]>;
  timeZone: string;
  theme: 'dark' | 'light';
  crosshair: Crosshair;
  paused: boolean;
  /** Bumped by the refresh button: resubscribe for a fresh window. */
  refreshKey: number;
  onZoom(range: TimeRange): void;
}

export interface PanelViewProps {
  panel: Panel;
  /** The panel as saved, by id (to subscribe by dashboard + panel); null if edited or new. */
  savedId: number | null;
  title: string;
  /** Repeat clone's own variable values. */
  vars?: Record<string, string>;
  ctx: PanelContext;
  compare: string;
  onEdit?: () => void;
  onCompare(shift: string): void;
}

type Status = { kind: 'down' | 'error'; message: string } | null;

/**
 * Subscribes to a panel's data; returns the data, its status, and re-renders once per frame.
 * While the panel is scrolled out of view, appended points are kept but not drawn: the panel
 * catches up in one render when it comes back into view (a replace frame always renders).
 */
function useLive(spec: SubscribeSpec | null, windowMs: number, paused: boolean, epoch: number, visible: { current: boolean; onShow?: () => void }) {
  const data = useMemo(() => new PanelData(windowMs), [JSON.stringify(spec), epoch]);
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<Status>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  useEffect(() => data.setWindow(windowMs), [data, windowMs]);
  useEffect(() => {
    if (!spec) return;
    let raf = 0;
    let pending = false;
    const schedule = (force: boolean) => {
      if (!force && !visible.current) {
        pending = true;
        return;
      }
      pending = false;
      if (raf) return;
      raf = requestAnimationFrame(() => {
        raf = 0;
        setVersion(data.version);
      });
    };
    const off = liveClient().subscribe(spec, (msg: LiveMessage) => {
      if (msg.op === 'frame') {
        if (pausedRef.current && !msg.replace) return;
        data.apply(msg.replace, msg.series);
        if (msg.replace) setStatus((s) => (s?.kind === 'error' ? null : s));
        schedule(msg.replace);
      } else if (msg.op === 'status') {
        setStatus(msg.source === 'down' ? { kind: 'down', message: msg.message || 'the data source is down' } : null);
      } else if (msg.op === 'error') {
        setStatus({ kind: 'error', message: msg.message });
      }
    });
    const previousOnShow = visible.onShow;
    visible.onShow = () => {
      previousOnShow?.();
      if (pending) schedule(true);
    };
    return () => {
      off();
      visible.onShow = previousOnShow;
      if (raf) cancelAnimationFrame(raf);
    };
  }, [data]);
  return { data, version, status };
}

function rangeMs(from: string, range: TimeRange): number {
  return from.startsWith('now') ? range.to - range.from : 0;
}

export function PanelView({ panel, savedId, title, vars, ctx, compare, onEdit, onCompare }: PanelViewProps) {
  const body = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  const [menu, setMenu] = useState(false);
  const visible = useRef<{ current: boolean; onShow?: () => void }>({ current: true }).current;
  useEffect(() => {
    const el = body.current;
    if (!el || typeof IntersectionObserver !== 'function') return;
    const io = new IntersectionObserver((entries) => {
      const shown = entries[entries.length - 1].isIntersecting;
      const was = visible.current;
      visible.current = shown;
      if (shown && !was) visible.onShow?.();
    });
    io.observe(el);
    return () => io.disconnect();
  }, []);
  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const ro = new ResizeObserver((entries) => {
      const r = entries[0].contentRect;
      setSize((s) => (Math.abs(s.width - r.width) < 1 && Math.abs(s.height - r.height) < 1 ? s : { width: Math.floor(r.width), height: Math.floor(r.height) }));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const allVars = useMemo(() => ({ ...ctx.vars, ...(vars ?? {}) }), [ctx.vars, vars]);
  const maxDataPoints = Math.max(100, Math.min(2000, Math.round((size.width || 600) / 100) * 100));
  const base = useMemo<SubscribeSpec | null>(() => {
    if (panel.type === 'row' || panel.type === 'text' || !size.width) return null;
    if (!panel.targets?.length && savedId === null) return null;
    const common = { from: ctx.from, to: ctx.to, vars: allVars, maxDataPoints };
    if (savedId !== null) return { dashboard: ctx.dashboardUid, panel: savedId, ...common };
    return { datasource: panel.datasource ?? null, targets: panel.targets ?? [], ...common };
  }, [panel, savedId, ctx.dashboardUid, ctx.from, ctx.to, allVars, size.width > 0]);
  const live = useLive(base, rangeMs(ctx.from, ctx.range), ctx.paused, ctx.refreshKey, visible);
  const compareSpec = useMemo(() => (base && compare ? { ...base, shift: compare } : null), [base, compare]);
  const overlayLive = useLive(compareSpec, rangeMs(ctx.from, ctx.range), ctx.paused, ctx.refreshKey, visible);

  const pipeline = useMemo(() => panelFrames(panel, live.data.series), [panel, live.version, live.data]);
  const overlay = useMemo(() => {
    if (!compareSpec) return undefined;
    const shiftMs = parseShift(compare);
    const out = panelFrames(panel, overlayLive.data.series, shiftMs);
    for (const f of out.frames) {
      f.name = `${f.name ?? ''} (${compare} ago)`;
      for (const field of f.fields) if (field.type !== 'time') field.config = { ...field.config, displayName: `${displayName(field)} (${compare} ago)` };
    }
    return out.frames;
  }, [panel, overlayLive.version, overlayLive.data, compareSpec]);

  const Renderer = panelRenderer(panel.type);
  const status = live.status;
  const panelRange = useMemo(
    () => (panel.timeFrom || panel.timeShift ? panelTimeRange(panel, ctx.range, ctx.range.to) : ctx.range),
    [panel.timeFrom, panel.timeShift, ctx.range],
  );
  return (
    <section class="panel" aria-label={title || `Panel ${panel.id}`} data-panel-id={panel.id} data-panel-type={panel.type}>
      <header class="panel-header">
        <h2 class="panel-title" title={panel.description || title}>
          {title}
        </h2>
        {panel.timeFrom || panel.timeShift ? (
          <span class="muted" style={{ fontSize: '12px' }}>
            {panel.timeFrom ? `Last ${panel.timeFrom}` : ''} {panel.timeShift ? `timeshift -${panel.timeShift}` : ''}
          </span>
        ) : null}
        {compare && <span class="badge">vs {compare} ago</span>}
        <div class="picker">
          <button type="button" class="icon-btn" aria-haspopup="menu" aria-expanded={menu} aria-label={`Menu of panel ${title}`} onClick={() => setMenu(!menu)}>
            ⋮
          </button>
          {menu && (
            <div class="popover" role="menu" style={{ right: 0, top: '100%', minWidth: '180px' }} onMouseLeave={() => setMenu(false)}>
              {onEdit && (
                <button type="button" role="menuitem" style={{ width: '100%', textAlign: 'left', border: 0 }} onClick={() => (setMenu(false), onEdit())}>
                  Edit
                </button>
              )}
              {(['', '1d', '1w'] as const).map((s) => (
                <button
                  key={s}
                  type="button"
                  role="menuitemradio"
                  aria-checked={compare === s}
                  style={{ width: '100%', textAlign: 'left', border: 0 }}
                  onClick={() => (setMenu(false), onCompare(s))}
                >
                  {s ? `Compare with ${s === '1d' ? 'a day' : 'a week'} ago` : 'No comparison'}
                </button>
              ))}
            </div>
          )}
        </div>
      </header>
      {status && (
        <div class={`panel-status${status.kind === 'down' ? ' warn' : ''}`} role="status" data-testid="panel-status" title={status.message}>
          {status.kind === 'down' ? `Data source down: ${status.message}` : `Error: ${status.message}`}
        </div>
      )}
      {pipeline.warnings.length > 0 && (
        <div class="panel-status warn" role="status">
          {pipeline.warnings.join('; ')}
        </div>
      )}
      <div class="panel-body" ref={body}>
        {!Renderer ? (
          <div class="panel-notice" data-testid="panel-notice">Panel type "{panel.type}" is not supported by Pulsegrid</div>
        ) : size.width > 0 ? (
          <Renderer
            panel={{ ...panel, title }}
            frames={pipeline.frames}
            version={live.version}
            appended={live.data.appended}
            width={size.width}
            height={size.height}
            timeRange={panelRange}
            timeZone={ctx.timeZone}
            theme={ctx.theme}
            crosshair={ctx.crosshair}
            onZoom={ctx.onZoom}
            overlay={overlay}
          />
        ) : null}
      </div>
    </section>
  );
}

function parseShift(s: string): number {
  const m = /^(\d+)([smhdw])$/.exec(s);
  if (!m) return 0;
  const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}
