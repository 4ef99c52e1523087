//! Turns a WebSocket subscription to a dashboard panel into the queries behind it: finds the
//! dashboard (provisioned or saved) and the panel, resolves each target's datasource reference
//! (target, then panel, then the dashboard default; `${var}` datasource variables included), and
//! substitutes the dashboard's variables in the target text.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use pulsegrid_live::{PanelQuery, PanelResolver};
use pulsegrid_model::{Dashboard, parse_duration_ms};
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

/// Resolves panels against the state's dashboards.
#[derive(Clone, Debug)]
pub struct DashboardPanels {
    provisioner: Arc<DashboardProvisioner>,
    saved: Arc<SavedDashboards>,
}

impl DashboardPanels {
    /// A resolver over provisioned and saved dashboards.
    pub fn new(provisioner: Arc<DashboardProvisioner>, saved: Arc<SavedDashboards>) -> Self {
        DashboardPanels { provisioner, saved }
    }
}

impl PanelResolver for DashboardPanels {
    /// Provisioned files shadow saved dashboards, as in the API.
    fn resolve(&self, uid: &str, panel_id: i64) -> Result<Vec<PanelQuery>, String> {
        match self.provisioner.get(uid) {
            Some(p) => panel_queries(&p.dashboard, panel_id),
            None => {
                let saved = self
                    .saved
                    .get(uid)
                    .ok_or_else(|| format!("dashboard {uid:?} not found"))?;
                panel_queries(&saved, panel_id)
            }
        }
    }
}

/// The queries of one panel of a dashboard (pure, for tests).
pub fn panel_queries(dashboard: &Dashboard, panel_id: i64) -> Result<Vec<PanelQuery>, String> {
    let panel = dashboard
        .panel(panel_id)
        .ok_or_else(|| format!("dashboard {:?} has no panel {panel_id}", dashboard.title()))?;
    let vars = variables(dashboard.json());
    let refresh_ms = dashboard
        .json()
        .get("refresh")
        .and_then(Value::as_str)
        .and_then(|r| parse_duration_ms(r).ok())
        .filter(|ms| *ms > 0);
    let max_data_points = panel
        .raw
        .get("maxDataPoints")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(DEFAULT_MAX_POINTS);
    let panel_ds = panel.datasource();
    let queries = panel
        .targets()
        .into_iter()
        .filter(|t| !t.get("hide").and_then(Value::as_bool).unwrap_or(false))
        .map(|target| {
            let reference = target
                .get("datasource")
                .filter(|d| !d.is_null() && !is_mixed(d))
                .or(panel_ds.filter(|d| !is_mixed(d)));
            PanelQuery {
                datasource: reference.map(|r| resolve_reference(r, dashboard.json(), &vars)),
                target: interpolate_value(target, &vars),
                max_data_points,
                refresh_ms,
            }
        })
        .collect();
    Ok(queries)
}

fn is_mixed(reference: &Value) -> bool {
    let uid = reference
        .get("uid")
        .and_then(Value::as_str)
        .or(reference.as_str());
    matches!(uid, Some("-- Mixed --") | Some("-- Dashboard --"))
}

/// The current values of the dashboard's variables, by name.
fn variables(dashboard: &Value) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    let list = dashboard
        .pointer("/templating/list")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for var in list {
        let Some(name) = var.get("name").and_then(Value::as_str) else {
            continue;
        };
        let current = var.pointer("/current/value");
        let value = match current {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Array(items)) => items.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        }
        .or_else(|| {
            // A datasource variable's `query` is a plugin type, not a value.
            let is_datasource = var.get("type").and_then(Value::as_str) == Some("datasource");
            (!is_datasource)
                .then(|| var.get("query").and_then(Value::as_str).map(str::to_owned))
                .flatten()
        });
        if let Some(value) = value.filter(|v| v != "$__all") {
            vars.insert(name.to_owned(), value);
        }
    }
    vars
}

/// A datasource reference with variables resolved. A `datasource`-type variable whose value is
/// unknown resolves to "the first source of its plugin type" (`{"type": ...}`).
fn resolve_reference(
    reference: &Value,
    dashboard: &Value,
    vars: &HashMap<String, String>,
) -> Value {
    let text = reference
        .get("uid")
        .and_then(Value::as_str)
        .or(reference.as_str());
    let Some(var) = text.and_then(variable_name) else {
        return reference.clone();
    };
    if let Some(value) = vars.get(var).filter(|v| variable_name(v).is_none()) {
        return Value::String(value.clone());
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

fn interpolate_value(value: &Value, vars: &HashMap<String, String>) -> Value {
    match value {
        Value::String(s) => Value::String(interpolate(s, vars)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| interpolate_value(v, vars)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), interpolate_value(v, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Replaces `$var`, `${var}`, `${var:fmt}` and `[[var]]` with known variables' values; unknown
/// ones (and Grafana's `$__` macros) are left for the source.
pub fn interpolate(text: &str, vars: &HashMap<String, String>) -> String {
    if vars.is_empty() || !(text.contains('$') || text.contains("[[")) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['$', '[']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (name, len) = if let Some(inner) = tail.strip_prefix("${") {
            match inner.find('}') {
                Some(end) => (inner[..end].split(':').next().unwrap_or(""), end + 3),
                None => ("", 1),
            }
        } else if let Some(inner) = tail.strip_prefix("[[") {
            match inner.find("]]") {
                Some(end) => (&inner[..end], end + 4),
                None => ("", 1),
            }
        } else if let Some(inner) = tail.strip_prefix('$') {
            let n = inner
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            (&inner[..n], n + 1)
        } else {
            ("", 1)
        };
        match vars.get(name) {
            Some(value) if !name.is_empty() => out.push_str(value),
            _ => out.push_str(&tail[..len.max(1)]),
        }
        rest = &tail[len.max(1)..];
    }
    out.push_str(rest);
    out
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

    #[test]
    fn interpolation_leaves_unknown_and_macros() {
        let vars: HashMap<_, _> = [("a".to_owned(), "1".to_owned())].into_iter().collect();
        assert_eq!(
            interpolate("$a ${a} ${a:csv} [[a]] $b $__interval", &vars),
            "1 1 1 1 $b $__interval"
        );
    }
}
