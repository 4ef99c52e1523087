//! Turns a WebSocket subscription to a dashboard panel (or to inline targets from the panel
//! editor) into the hub queries behind it: finds the dashboard (provisioned or saved) and the
//! panel, resolves each target's datasource reference (target, then panel, then the dashboard
//! default; `${var}` datasource variables included), interpolates the dashboard's variables
//! (the client's picks over the saved values, formatted per datasource as Grafana does), and
//! applies the panel's `timeFrom`/`timeShift` and the client's `shift` to the window.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use pulsegrid_connectors::Sources;
use pulsegrid_live::{InlineRequest, PanelQuery, PanelRequest, PanelResolver, QuerySpec};
use pulsegrid_model::{
    Dashboard, DatasourceKind, TemplateFormat, TemplateVars, parse_duration_ms, shift_time,
    time_from_override,
};
use pulsegrid_store::Store;
use serde_json::Value;

use crate::provisioning::DashboardProvisioner;

/// The dashboards saved through the API, parsed, by uid: loaded at start and kept current by
/// every save and delete of this process, so a WebSocket subscribe never waits on the database.
#[derive(Debug, Default)]
pub struct SavedDashboards {
    by_uid: RwLock<HashMap<String, Arc<Dashboard>>>,
}

impl SavedDashboards {
    /// Loads every saved dashboard from the store.
    pub async fn load(store: &Store) -> Result<Self, pulsegrid_store::StoreError> {
        let cache = SavedDashboards::default();
        for d in store.list_dashboards().await? {
            match Dashboard::from_json_str(&d.json, &d.uid) {
                Ok(dashboard) => cache.put(&d.uid, dashboard),
                Err(e) => tracing::warn!(uid = d.uid, error = %e, "saved dashboard does not parse"),
            }
        }
        Ok(cache)
    }

    /// Records a saved version.
    pub fn put(&self, uid: &str, dashboard: Dashboard) {
        self.by_uid
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uid.to_owned(), Arc::new(dashboard));
    }

    /// Forgets a deleted dashboard.
    pub fn remove(&self, uid: &str) {
        self.by_uid
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uid);
    }

    /// A saved dashboard by uid.
    pub fn get(&self, uid: &str) -> Option<Arc<Dashboard>> {
        self.by_uid
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(uid)
            .cloned()
    }
}

/// Points a panel asks for when it does not say (`maxDataPoints`).
const DEFAULT_MAX_POINTS: u32 = 1000;

/// Resolves panels against the state's dashboards, and datasource references against the
/// configured sources (their kind picks the variable format).
#[derive(Clone, Debug)]
pub struct DashboardPanels {
    provisioner: Arc<DashboardProvisioner>,
    saved: Arc<SavedDashboards>,
    sources: Sources,
}

impl DashboardPanels {
    /// A resolver over provisioned and saved dashboards and the configured sources.
    pub fn new(
        provisioner: Arc<DashboardProvisioner>,
        saved: Arc<SavedDashboards>,
        sources: Sources,
    ) -> Self {
        DashboardPanels {
            provisioner,
            saved,
            sources,
        }
    }

    /// Runs `f` on a dashboard by uid; provisioned files shadow saved dashboards, as in the
    /// API.
    fn with_dashboard<T>(
        &self,
        uid: &str,
        f: impl FnOnce(&Dashboard) -> Result<T, String>,
    ) -> Result<T, String> {
        match self.provisioner.get(uid) {
            Some(p) => f(&p.dashboard),
            None => {
                let saved = self
                    .saved
                    .get(uid)
                    .ok_or_else(|| format!("dashboard {uid:?} not found"))?;
                f(&saved)
            }
        }
    }
}

impl PanelResolver for DashboardPanels {
    fn resolve(&self, uid: &str, panel_id: i64) -> Result<Vec<PanelQuery>, String> {
        let request = PanelRequest {
            dashboard: uid.to_owned(),
            panel: panel_id,
            from: "now-5m".into(),
            to: "now".into(),
            ..PanelRequest::default()
        };
        let specs = self.resolve_panel(&request)?;
        Ok(specs.into_iter().map(panel_query).collect())
    }

    fn resolve_panel(&self, request: &PanelRequest) -> Result<Vec<QuerySpec>, String> {
        self.with_dashboard(&request.dashboard, |d| {
            panel_specs(d, request, &self.sources)
        })
    }

    fn resolve_inline(&self, request: &InlineRequest) -> Result<Vec<QuerySpec>, String> {
        match &request.dashboard {
            Some(uid) => {
                self.with_dashboard(uid, |d| inline_specs(request, Some(d), &self.sources))
            }
            None => inline_specs(request, None, &self.sources),
        }
    }
}

fn panel_query(spec: QuerySpec) -> PanelQuery {
    PanelQuery {
        datasource: spec.datasource,
        target: spec.target,
        max_data_points: spec.max_data_points,
        refresh_ms: spec.refresh_ms,
    }
}

/// The queries of one panel of a dashboard over the default window, with the saved variable
/// values (pure, for tests).
pub fn panel_queries(dashboard: &Dashboard, panel_id: i64) -> Result<Vec<PanelQuery>, String> {
    let request = PanelRequest {
        panel: panel_id,
        from: "now-5m".into(),
        to: "now".into(),
        ..PanelRequest::default()
    };
    let specs = panel_specs(dashboard, &request, &Sources::new())?;
    Ok(specs.into_iter().map(panel_query).collect())
}

/// The live queries of a panel subscription: the client's variable values over the saved
/// ones, the client's width over the panel's `maxDataPoints`, and the window with the
/// panel's `timeFrom` and `timeShift` and the client's `shift` applied, as Grafana does.
pub fn panel_specs(
    dashboard: &Dashboard,
    request: &PanelRequest,
    sources: &Sources,
) -> Result<Vec<QuerySpec>, String> {
    let panel_id = request.panel;
    let panel = dashboard
        .panel(panel_id)
        .ok_or_else(|| format!("dashboard {:?} has no panel {panel_id}", dashboard.title()))?;
    let mut vars = TemplateVars::from_dashboard(dashboard.json());
    vars.apply_overrides(&request.vars)?;
    let text = |key: &str| {
        panel
            .raw
            .get(key)
            .and_then(Value::as_str)
            .map(|s| vars.interpolate(s, TemplateFormat::Raw))
            .filter(|s| !s.trim().is_empty())
    };
    let (mut from, mut to) = (request.from.clone(), request.to.clone());
    if let Some(time_from) = text("timeFrom") {
        from = time_from_override(&time_from)
            .map_err(|e| format!("panel {panel_id} timeFrom: {e}"))?;
        to = "now".to_owned();
    }
    let mut poll_only = false;
    let shifts = [
        (format!("panel {panel_id} timeShift"), text("timeShift")),
        ("shift".to_owned(), request.shift.clone()),
    ];
    for (field, shift) in shifts {
        if let Some(shift) = shift {
            (from, to, poll_only) =
                shifted(&from, &to, &shift, poll_only).map_err(|e| format!("{field}: {e}"))?;
        }
    }
    let max_data_points = request.max_data_points.unwrap_or_else(|| {
        panel
            .raw
            .get("maxDataPoints")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(DEFAULT_MAX_POINTS)
    });
    let window = Window {
        from,
        to,
        poll_only,
        max_data_points,
        refresh_ms: refresh_ms(dashboard.json()),
    };
    let targets = panel.targets();
    specs(
        &targets,
        panel.datasource(),
        dashboard.json(),
        &vars,
        &window,
        sources,
        false,
    )
}

/// The live queries of an inline subscription (a panel editor's unsaved targets), resolved
/// as a saved panel's are: the same datasource resolution (the request's `datasource` as the
/// panel's), interpolation (the named dashboard's variables, if any, under the client's),
/// window shift and hub sharing. A datasource that does not exist is an error naming the
/// field.
pub fn inline_specs(
    request: &InlineRequest,
    dashboard: Option<&Dashboard>,
    sources: &Sources,
) -> Result<Vec<QuerySpec>, String> {
    let mut vars = dashboard.map_or_else(TemplateVars::new, |d| {
        TemplateVars::from_dashboard(d.json())
    });
    vars.apply_overrides(&request.vars)?;
    let (mut from, mut to, mut poll_only) = (request.from.clone(), request.to.clone(), false);
    if let Some(shift) = &request.shift {
        (from, to, poll_only) =
            shifted(&from, &to, shift, poll_only).map_err(|e| format!("shift: {e}"))?;
    }
    let window = Window {
        from,
        to,
        poll_only,
        max_data_points: request.max_data_points.unwrap_or(DEFAULT_MAX_POINTS),
        refresh_ms: dashboard.and_then(|d| refresh_ms(d.json())),
    };
    let targets: Vec<&Value> = request.targets.iter().collect();
    let empty = Value::Null;
    specs(
        &targets,
        request.datasource.as_ref().filter(|d| !d.is_null()),
        dashboard.map_or(&empty, Dashboard::json),
        &vars,
        &window,
        sources,
        true,
    )
}

/// The window and pacing every query of a subscription shares.
struct Window {
    from: String,
    to: String,
    poll_only: bool,
    max_data_points: u32,
    refresh_ms: Option<i64>,
}

/// `from`..`to` moved back by `shift`; a non-zero shift makes the window poll-only.
fn shifted(
    from: &str,
    to: &str,
    shift: &str,
    poll_only: bool,
) -> Result<(String, String, bool), String> {
    let ms = parse_duration_ms(shift)
        .map_err(|e| format!("{e}; expected how far back to move the window, e.g. 1d"))?;
    let from = shift_time(from, shift).map_err(|e| e.to_string())?;
    let to = shift_time(to, shift).map_err(|e| e.to_string())?;
    Ok((from, to, poll_only || ms != 0))
}

/// The dashboard's refresh interval in ms, if it sets one.
fn refresh_ms(dashboard: &Value) -> Option<i64> {
    dashboard
        .get("refresh")
        .and_then(Value::as_str)
        .and_then(|r| parse_duration_ms(r).ok())
        .filter(|ms| *ms > 0)
}

/// One hub query per visible target. `strict` (inline targets) checks that each datasource
/// exists, naming the field; for saved panels the hub reports it per query.
fn specs(
    targets: &[&Value],
    panel_ds: Option<&Value>,
    dashboard: &Value,
    vars: &TemplateVars,
    window: &Window,
    sources: &Sources,
    strict: bool,
) -> Result<Vec<QuerySpec>, String> {
    let mut out = Vec::with_capacity(targets.len());
    for (i, target) in targets.iter().enumerate() {
        if target.get("hide").and_then(Value::as_bool).unwrap_or(false) {
            continue;
        }
        let own = target
            .get("datasource")
            .filter(|d| !d.is_null() && !is_mixed(d));
        let reference = own.or(panel_ds.filter(|d| !is_mixed(d)));
        let datasource = reference.map(|r| resolve_reference(r, dashboard, vars));
        let source = sources.resolve(datasource.as_ref());
        if strict && source.is_none() {
            let field = if own.is_some() {
                format!("targets[{i}].datasource")
            } else {
                "datasource".to_owned()
            };
            let found = datasource.as_ref().map_or_else(
                || "none (no default datasource)".to_owned(),
                Value::to_string,
            );
            return Err(format!(
                "{field}: unknown datasource {found}; expected the uid or name of a configured \
                 datasource"
            ));
        }
        let kind = source.map(|s| s.kind()).or_else(|| {
            reference
                .and_then(|r| r.get("type"))
                .and_then(Value::as_str)
                .and_then(DatasourceKind::parse)
        });
        out.push(QuerySpec {
            datasource,
            target: vars.interpolate_json(target, TemplateFormat::default_for(kind)),
            from: window.from.clone(),
            to: window.to.clone(),
            max_data_points: window.max_data_points,
            refresh_ms: window.refresh_ms,
            poll_only: window.poll_only,
        });
    }
    Ok(out)
}

fn is_mixed(reference: &Value) -> bool {
    let uid = reference
        .get("uid")
        .and_then(Value::as_str)
        .or(reference.as_str());
    matches!(uid, Some("-- Mixed --") | Some("-- Dashboard --"))
}

/// A datasource reference with variables resolved. A `datasource`-type variable whose value is
/// unknown resolves to "the first source of its plugin type" (`{"type": ...}`).
fn resolve_reference(reference: &Value, dashboard: &Value, vars: &TemplateVars) -> Value {
    let text = reference
        .get("uid")
        .and_then(Value::as_str)
        .or(reference.as_str());
    let Some(var) = text.and_then(variable_name) else {
        return reference.clone();
    };
    if let Some(value) = vars.first_value(var).filter(|v| variable_name(v).is_none()) {
        return Value::String(value.to_owned());
    }
    let plugin = dashboard
        .pointer("/templating/list")
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .find(|v| v.get("name").and_then(Value::as_str) == Some(var))
        })
        .and_then(|v| v.get("query").and_then(Value::as_str))
        .or_else(|| reference.get("type").and_then(Value::as_str));
    match plugin {
        Some(t) => serde_json::json!({ "type": t }),
        None => Value::Null,
    }
}

/// `$name`, `${name}` or `${name:format}` alone -> `name`.
fn variable_name(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('$')?;
    let name = match rest.strip_prefix('{') {
        Some(inner) => inner.strip_suffix('}')?.split(':').next()?,
        None => rest,
    };
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dashboard() -> Dashboard {
        Dashboard::from_value(
            json!({
                "title": "t",
                "refresh": "10s",
                "templating": {"list": [
                    {"name": "datasource", "type": "datasource", "query": "prometheus", "current": {}},
                    {"name": "site", "type": "custom", "current": {"value": "north"}}
                ]},
                "panels": [
                    {"id": 1, "type": "timeseries", "datasource": {"type": "prometheus", "uid": "${datasource}"},
                     "targets": [{"refId": "A", "expr": "pressure{site=\"$site\"}"},
                                 {"refId": "B", "expr": "x", "hide": true}]},
                    {"id": 2, "type": "row", "panels": [
                        {"id": 3, "type": "stat", "datasource": "pulsegrid", "maxDataPoints": 50,
                         "targets": [{"refId": "A", "expr": "[[site]]_temp", "datasource": {"uid": "testdata"}}]}
                    ]}
                ]
            }),
            "test",
        )
        .unwrap()
    }

    #[test]
    fn resolves_variables_datasources_and_hidden_targets() {
        let d = dashboard();
        let q = panel_queries(&d, 1).unwrap();
        assert_eq!(q.len(), 1, "hidden targets are skipped");
        assert_eq!(q[0].target["expr"], "pressure{site=\"north\"}");
        assert_eq!(q[0].datasource, Some(json!({"type": "prometheus"})));
        assert_eq!(q[0].refresh_ms, Some(10_000));
        let q = panel_queries(&d, 3).unwrap();
        assert_eq!(q[0].target["expr"], "north_temp");
        assert_eq!(q[0].datasource, Some(json!({"uid": "testdata"})));
        assert_eq!(q[0].max_data_points, 50);
        assert!(panel_queries(&d, 9).unwrap_err().contains("no panel 9"));
    }

    fn compare_dashboard() -> Dashboard {
        Dashboard::from_value(
            json!({
                "title": "c",
                "templating": {"list": [
                    {"name": "site", "type": "custom", "query": "north,south", "multi": true,
                     "includeAll": true, "current": {"value": ["north"]}}
                ]},
                "panels": [
                    {"id": 1, "type": "timeseries", "datasource": {"type": "prometheus", "uid": "prom"},
                     "maxDataPoints": 300, "timeFrom": "1h", "timeShift": "1d",
                     "targets": [{"refId": "A", "expr": "up{site=~\"$site\"}"},
                                 {"refId": "B", "datasource": {"uid": "testdata"},
                                  "scenarioId": "random_walk", "labels": "site=$site"}]},
                    {"id": 2, "type": "timeseries", "datasource": {"uid": "testdata"},
                     "targets": [{"refId": "A", "scenarioId": "random_walk", "alias": "$site"}]}
                ]
            }),
            "test",
        )
        .unwrap()
    }

    fn testdata_sources() -> Sources {
        let mut sources = Sources::new();
        sources.insert(
            "TestData",
            Arc::new(pulsegrid_connectors::TestdataSource::new("testdata")),
            true,
        );
        sources
    }

    fn request(panel: i64, vars: Value) -> PanelRequest {
        PanelRequest {
            dashboard: "c".into(),
            panel,
            from: "now-5m".into(),
            to: "now".into(),
            vars: vars.as_object().cloned().unwrap_or_default(),
            ..PanelRequest::default()
        }
    }

    /// The client's picks override the saved value and are formatted per datasource:
    /// Prometheus as an escaped regex, testdata as a glob.
    #[test]
    fn client_variables_are_formatted_per_datasource() {
        let d = compare_dashboard();
        let sources = testdata_sources();
        let specs = panel_specs(&d, &request(1, json!({})), &sources).unwrap();
        assert_eq!(specs[0].target["expr"], "up{site=~\"north\"}");
        let picked = request(1, json!({"site": ["n.1", "south"]}));
        let specs = panel_specs(&d, &picked, &sources).unwrap();
        assert_eq!(specs[0].target["expr"], r#"up{site=~"(n\\.1|south)"}"#);
        assert_eq!(specs[1].target["labels"], "site={n.1,south}");
        let all = panel_specs(&d, &request(1, json!({"site": "$__all"})), &sources).unwrap();
        assert_eq!(all[0].target["expr"], "up{site=~\"(north|south)\"}");
        let bad = panel_specs(&d, &request(1, json!({"site": {}})), &sources).unwrap_err();
        assert!(bad.contains("vars.site"), "{bad}");
    }

    /// `timeFrom` replaces the window, `timeShift` and the client's `shift` move it back;
    /// a shifted window is polled; the client's width wins over `maxDataPoints`.
    #[test]
    fn time_overrides_and_shift() {
        let d = compare_dashboard();
        let sources = testdata_sources();
        let specs = panel_specs(&d, &request(1, json!({})), &sources).unwrap();
        assert_eq!(
            (specs[0].from.as_str(), specs[0].to.as_str()),
            ("now-1h-1d", "now-1d")
        );
        assert!(specs[0].poll_only);
        assert_eq!(specs[0].max_data_points, 300);
        let compare = PanelRequest {
            shift: Some("7d".into()),
            max_data_points: Some(1200),
            ..request(1, json!({}))
        };
        let specs = panel_specs(&d, &compare, &sources).unwrap();
        assert_eq!(
            (specs[1].from.as_str(), specs[1].to.as_str()),
            ("now-1h-1d-7d", "now-1d-7d")
        );
        assert_eq!(specs[1].max_data_points, 1200);
        let plain = panel_specs(&d, &request(2, json!({})), &sources).unwrap();
        assert_eq!(
            (plain[0].from.as_str(), plain[0].to.as_str()),
            ("now-5m", "now")
        );
        assert!(!plain[0].poll_only);
        let bad = PanelRequest {
            shift: Some("a while".into()),
            ..request(2, json!({}))
        };
        let err = panel_specs(&d, &bad, &sources).unwrap_err();
        assert!(err.starts_with("shift:"), "{err}");
    }

    /// Inline targets resolve like a saved panel's; unknown datasources name the field.
    #[test]
    fn inline_targets() {
        let sources = testdata_sources();
        let request = InlineRequest {
            datasource: Some(json!({"uid": "testdata"})),
            targets: vec![json!({"refId": "A", "scenarioId": "random_walk", "alias": "$x"})],
            from: "now-15m".into(),
            to: "now".into(),
            vars: json!({"x": ["a", "b"]}).as_object().cloned().unwrap(),
            max_data_points: Some(200),
            shift: Some("1d".into()),
            dashboard: None,
        };
        let specs = inline_specs(&request, None, &sources).unwrap();
        assert_eq!(specs[0].target["alias"], "{a,b}");
        assert_eq!(specs[0].from, "now-15m-1d");
        assert!(specs[0].poll_only);
        assert_eq!(specs[0].max_data_points, 200);
        let unknown = InlineRequest {
            datasource: Some(json!({"uid": "nope"})),
            ..request.clone()
        };
        let err = inline_specs(&unknown, None, &sources).unwrap_err();
        assert!(err.starts_with("datasource: unknown datasource"), "{err}");
        let mut own = request.clone();
        own.targets[0]["datasource"] = json!("missing");
        let err = inline_specs(&own, None, &sources).unwrap_err();
        assert!(err.starts_with("targets[0].datasource:"), "{err}");
        let with_dashboard = inline_specs(
            &InlineRequest {
                vars: Default::default(),
                targets: vec![json!({"scenarioId": "random_walk", "alias": "$site"})],
                ..request
            },
            Some(&compare_dashboard()),
            &sources,
        )
        .unwrap();
        assert_eq!(with_dashboard[0].target["alias"], "north");
    }

    /// Equal variable values share one hub topic; different values make different topics.
    #[tokio::test]
    async fn equal_variables_share_a_topic() {
        let sources = testdata_sources();
        let hub = pulsegrid_live::Hub::new(sources.clone(), Default::default());
        let d = compare_dashboard();
        let subscribe = |vars: Value| {
            let spec = panel_specs(&d, &request(2, vars), &sources)
                .unwrap()
                .remove(0);
            hub.subscribe_query(spec).unwrap()
        };
        let a = subscribe(json!({"site": "south"}));
        let b = subscribe(json!({"site": "south"}));
        assert_eq!((hub.stats().topics, hub.stats().subscribers), (1, 2));
        let c = subscribe(json!({"site": "north"}));
        assert_eq!((hub.stats().topics, hub.stats().subscribers), (2, 3));
        drop((a, b, c));
    }
}
