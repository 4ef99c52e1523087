// A dashboard (`/d/{uid}`): toolbar (time range, refresh, variables, edit, save), the grid of
// panels, and the editors. Time range, refresh and variable values live in the URL, as in
// Grafana, so a view can be linked. Saving handles version conflicts and refuses provisioned
// dashboards with the reason.

import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import type { Dashboard, DashboardResponse, Panel } from '../../api/dashboard';
import { TopBar } from '../../components/TopBar';
import { migrateDashboard } from '../../panels/migrate';
import { navigate, useLocation } from '../../lib/router';
import { canEdit, useUser } from '../../lib/session';
import { currentTheme, onThemeChange, type Theme } from '../../lib/theme';
import { parseTime } from '../../lib/time';
import { interpolate } from '../../lib/interpolate';
import { createCrosshair } from './crosshair';
import { gridHeight, layoutPanels, pixelBox } from './layout';
import { PanelView, type PanelContext } from './PanelView';
import { RefreshPicker, TimePicker, type RawRange } from './TimePicker';
import { VariablesBar } from './VariablesBar';
import { useVariables } from './useVariables';
import { JsonEditor } from './JsonEditor';
import { PanelEditor } from './PanelEditor';

interface Loaded {
  dashboard: Dashboard;
  meta: DashboardResponse['meta'];
  /** The panels as saved (JSON by id), to tell edited panels from saved ones. */
  saved: Map<number, string>;
}

function savedPanels(d: Dashboard): Map<number, string> {
  const out = new Map<number, string>();
  const walk = (ps: Panel[] | undefined) => {
    for (const p of ps ?? []) {
      out.set(p.id, JSON.stringify(p));
      walk(p.panels);
    }
  };
  walk(d.panels);
  return out;
}

function useTheme(): Theme {
  const [theme, setTheme] = useState<Theme>(currentTheme());
  useEffect(() => onThemeChange(setTheme), []);
  return theme;
}

export function DashboardPage({ uid }: { uid: string }) {
  const { query } = useLocation();
  const user = useUser();
  const theme = useTheme();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState('');
  const [dirty, setDirty] = useState(false);
  const [collapsed, setCollapsed] = useState(new Map<number, boolean>());
  const [compare, setCompare] = useState(new Map<string, string>());
  const [editing, setEditing] = useState<'json' | number | null>(null);
  const [saveState, setSaveState] = useState<{ error?: ApiError; conflict?: boolean; busy?: boolean; saved?: boolean }>({});
  const [refreshKey, setRefreshKey] = useState(0);
  const [width, setWidth] = useState(0);
  const crosshair = useMemo(createCrosshair, []);

  useEffect(() => {
    api
      .dashboard(uid)
      .then((r) => {
        const dashboard = migrateDashboard(r.dashboard);
        setLoaded({ dashboard, meta: r.meta, saved: savedPanels(dashboard) });
        document.title = `${dashboard.title} · Pulsegrid`;
      })
      .catch((e: ApiError) => {
        if (e.status === 401) navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
        else setError(e.status === 404 ? `Dashboard "${uid}" not found` : e.message);
      });
  }, [uid]);

  const dashboard = loaded?.dashboard;
  const raw: RawRange = {
    from: query.get('from') ?? dashboard?.time?.from ?? 'now-6h',
    to: query.get('to') ?? dashboard?.time?.to ?? 'now',
  };
  const refresh = query.get('refresh') ?? (typeof dashboard?.refresh === 'string' && dashboard.refresh ? dashboard.refresh : 'live');
  const timeZone = query.get('timezone') ?? (dashboard?.timezone === 'utc' ? 'utc' : dashboard?.timezone || 'browser');
  const now = useMemo(() => Date.now(), [raw.from, raw.to, refreshKey]);
  const range = useMemo(() => {
    const from = parseTime(raw.from, now, false) ?? now - 6 * 3600e3;
    const to = parseTime(raw.to, now, true) ?? now;
    return { from, to };
  }, [raw.from, raw.to, now]);

  const variables = useVariables(dashboard ?? null, query, raw);

  const setUrl = useCallback((patch: Record<string, string | string[] | null>) => {
    const p = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(patch)) {
      p.delete(k);
      if (v === null) continue;
      for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
    }
    const qs = p.toString();
    navigate(`${location.pathname}${qs ? `?${qs}` : ''}`, true);
  }, []);

  const onZoom = useCallback((r: { from: number; to: number }) => setUrl({ from: String(Math.round(r.from)), to: String(Math.round(r.to)) }), [setUrl]);

  const grid = useCallback((el: HTMLDivElement | null) => {
    if (!el) return;
    const ro = new ResizeObserver((e) => setWidth(Math.floor(e[0].contentRect.width)));
    ro.observe(el);
  }, []);

  const ctx: PanelContext = useMemo(
    () => ({
      dashboardUid: uid,
      from: raw.from,
      to: raw.to,
      range,
      vars: variables.values,
      timeZone,
      theme,
      crosshair,
      paused: refresh === '',
      refreshKey,
      onZoom,
    }),
    [uid, raw.from, raw.to, range, variables.values, timeZone, theme, crosshair, refresh, refreshKey, onZoom],
  );

  if (error)
    return (
      <>
        <TopBar title="Dashboard" />
        <main class="page">
          <div class="banner error" role="alert">
            {error}
          </div>
        </main>
      </>
    );
  if (!loaded || !dashboard)
    return (
      <>
        <TopBar />
        <main class="page muted">Loading…</main>
      </>
    );

  const provisioned = !!loaded.meta.provisioned;
  const mayEdit = canEdit(user);
  const items = layoutPanels(dashboard.panels ?? [], collapsed, variables.repeatValues);

  const updateDashboard = (next: Dashboard) => {
    setLoaded({ ...loaded, dashboard: migrateDashboard(next) });
    setDirty(true);
    setSaveState({});
  };
  const updatePanel = (id: number, next: Panel) => {
    const replace = (ps: Panel[] | undefined): Panel[] | undefined => ps?.map((p) => (p.id === id ? next : p.panels ? { ...p, panels: replace(p.panels) } : p));
    updateDashboard({ ...dashboard, panels: replace(dashboard.panels) });
  };
  const save = async (overwrite = false, candidate: Dashboard = dashboard): Promise<ApiError | null> => {
    setSaveState({ busy: true });
    try {
      const res = await api.saveDashboard({ ...candidate, version: loaded.meta.version ?? candidate.version }, overwrite);
      const saved = migrateDashboard({ ...candidate, version: res.version });
      setLoaded({ dashboard: saved, meta: { ...loaded.meta, version: res.version }, saved: savedPanels(saved) });
      setDirty(false);
      setSaveState({ saved: true });
      return null;
    } catch (e) {
      const err = e as ApiError;
      setSaveState({ error: err, conflict: err.status === 412 });
      return err;
    }
  };

  return (
    <>
      <TopBar title={dashboard.title}>
        {provisioned && (
          <span class="badge" data-testid="provisioned-badge" title={`Provisioned from ${loaded.meta.provisionedExternalId ?? 'a file'}`}>
            provisioned
          </span>
        )}
        <TimePicker range={raw} onChange={(r) => setUrl({ from: r.from, to: r.to })} />
        <RefreshPicker value={refresh} onChange={(v) => setUrl({ refresh: v || '' })} onRefresh={() => setRefreshKey((k) => k + 1)} />
        {mayEdit && (
          <button type="button" onClick={() => setEditing('json')}>
            Edit JSON
          </button>
        )}
        {mayEdit && dirty && (
          <button type="button" class="primary" disabled={provisioned || saveState.busy} onClick={() => void save()} title={provisioned ? 'Provisioned dashboards cannot be saved here' : 'Save dashboard'}>
            Save
          </button>
        )}
      </TopBar>
      <main class="page">
        {provisioned && (dirty || editing !== null) && (
          <div class="banner" role="note" style={{ marginBottom: '8px' }}>
            This dashboard is provisioned from <code>{loaded.meta.provisionedExternalId || 'a file'}</code> and cannot be saved here: change the file
            instead (or copy the JSON into a new dashboard).
          </div>
        )}
        {saveState.saved && (
          <div class="banner" role="status" style={{ marginBottom: '8px' }}>
            Dashboard saved (version {loaded.meta.version}).
          </div>
        )}
        {saveState.conflict && (
          <div class="banner error" role="alert" style={{ marginBottom: '8px' }}>
            Someone else has updated this dashboard since you opened it.{' '}
            <button type="button" onClick={() => void save(true)}>
              Save and overwrite
            </button>{' '}
            <button type="button" onClick={() => location.reload()}>
              Discard my changes and reload
            </button>
          </div>
        )}
        {saveState.error && !saveState.conflict && editing === null && (
          <div class="banner error" role="alert" style={{ marginBottom: '8px' }}>
            Save failed: {saveState.error.message}
          </div>
        )}
        <VariablesBar variables={variables} onChange={(name, value) => setUrl({ [`var-${name}`]: value })} />
        <div class="grid" ref={grid} style={{ height: `${gridHeight(items)}px` }}>
          {width > 0 &&
            items.map((it) => {
              const box = pixelBox(it.pos, width);
              const style = { left: `${box.left}px`, top: `${box.top}px`, width: `${box.width}px`, height: `${box.height}px` };
              const title = interpolate(it.panel.title ?? '', { ...variables.values, ...(it.vars ?? {}) }, 'text');
              if (it.panel.type === 'row') {
                const isCollapsed = collapsed.get(it.panel.id) ?? !!it.panel.collapsed;
                const hidden = it.panel.panels?.length ?? 0;
                return (
                  <div key={it.key} class="grid-item" style={style}>
                    <div class="row-panel">
                      <button
                        type="button"
                        aria-expanded={!isCollapsed}
                        onClick={() => setCollapsed(new Map(collapsed).set(it.panel.id, !isCollapsed))}
                      >
                        {isCollapsed ? '▸' : '▾'} {title || 'Row'}
                      </button>
                      {isCollapsed && hidden > 0 && <span class="count">({hidden} panels)</span>}
                    </div>
                  </div>
                );
              }
              const savedId = loaded.saved.get(it.sourceId) === JSON.stringify(it.panel) ? it.sourceId : null;
              return (
                <div key={it.key} class="grid-item" style={style}>
                  <PanelView
                    panel={it.panel}
                    savedId={savedId}
                    title={title}
                    vars={it.vars}
                    ctx={ctx}
                    compare={compare.get(it.key) ?? ''}
                    onCompare={(s) => setCompare(new Map(compare).set(it.key, s))}
                    onEdit={mayEdit ? () => setEditing(it.sourceId) : undefined}
                  />
                </div>
              );
            })}
        </div>
      </main>
      {editing === 'json' && (
        <JsonEditor
          dashboard={dashboard}
          readOnly={provisioned}
          onClose={() => setEditing(null)}
          onApply={(d) => {
            updateDashboard(d);
            setEditing(null);
          }}
          onSave={async (d) => {
            const err = await save(false, d);
            if (!err) setEditing(null);
            return err;
          }}
        />
      )}
      {typeof editing === 'number' && (
        <PanelEditor
          panel={findPanel(dashboard.panels, editing)}
          onClose={() => setEditing(null)}
          onApply={(p) => {
            updatePanel(editing, p);
            setEditing(null);
          }}
        />
      )}
    </>
  );
}

function findPanel(panels: Panel[] | undefined, id: number): Panel | undefined {
  for (const p of panels ?? []) {
    if (p.id === id) return p;
    const inner = findPanel(p.panels, id);
    if (inner) return inner;
  }
  return undefined;
}
