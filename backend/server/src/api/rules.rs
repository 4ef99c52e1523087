//! Rule and alert state over HTTP:
//! - Prometheus' `GET /api/v1/rules` and `GET /api/v1/alerts` (same JSON shapes, so Grafana's
//!   Prometheus datasource and scripts written for Prometheus read them), with Pulsegrid's
//!   extra fields (`source`, `condition`, `clearCondition`, `noData`, `ruleKey`, `flapping`);
//! - Alertmanager's `GET /api/v2/alerts` (what the notifier holds, with silenced/inhibited
//!   status, so `amtool alert query` works);
//! - the durable outbox, the state history, a panel's alert periods and the rule files'
//!   errors, for the `/alerting` page.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Query, State};
use pulsegrid_alerting::notify::Fingerprint;
use pulsegrid_alerting::rules::{AlertInstance, AlertState, QueryKind, RuleKind};
use pulsegrid_model::Labels;
use pulsegrid_store::{HistoryFilter, OutboxFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::alerting::engine::{RuleEntry, state_name};
use crate::auth::{Principal, Role};
use crate::clock::{now_ms, rfc3339};
use crate::error::ApiError;
use crate::state::AppState;

/// Prometheus' float formatting (`strconv.FormatFloat(v, 'e', -1, 64)`): `8.5e+00`.
pub(super) fn prom_value(v: Option<f64>) -> String {
    let Some(v) = v else {
        return "NaN".into();
    };
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let text = format!("{v:e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

fn alert_json(entry: &RuleEntry, inst: &AlertInstance) -> Value {
    json!({
        "labels": inst.labels,
        "annotations": inst.annotations,
        "state": state_name(inst.state),
        "activeAt": inst.active_at_ms.map(rfc3339),
        "keepFiringSince": inst.keep_firing_since_ms.map(rfc3339),
        "value": prom_value(inst.value),
        "flapping": inst.flapping,
        "instance": Fingerprint::of(&inst.labels).to_string(),
        "ruleKey": entry.def.key,
        "error": inst.error,
    })
}

/// Instances the APIs list as alerts: pending, firing, and the no-data/error ones.
fn is_listed(inst: &AlertInstance) -> bool {
    matches!(
        inst.state,
        AlertState::Pending | AlertState::Firing | AlertState::NoData | AlertState::Error
    )
}

fn rule_json(entry: &RuleEntry) -> Value {
    let def = &entry.def;
    let rule = &def.rule;
    let rt = entry.runtime();
    let alerts: Vec<Value> = rt
        .state
        .instances()
        .filter(|i| is_listed(i))
        .map(|i| alert_json(entry, i))
        .collect();
    let state = if rt.state.instances().any(|i| i.state == AlertState::Firing) {
        "firing"
    } else if rt.state.instances().any(|i| i.state == AlertState::Pending) {
        "pending"
    } else {
        "inactive"
    };
    let (query, condition, clear, reduce) = match &rule.query {
        QueryKind::PromQl { expr } => (expr.clone(), None, None, None),
        QueryKind::Pulsegrid {
            query,
            reduce,
            condition,
            clear_condition,
        } => (
            query.clone(),
            condition.as_ref().map(ToString::to_string),
            clear_condition.as_ref().map(ToString::to_string),
            Some(reduce.to_string()),
        ),
    };
    let common = json!({
        "name": rule.name,
        "query": query,
        "labels": rule.labels,
        "health": rt.health.as_str(),
        "lastError": rt.last_error.clone().unwrap_or_default(),
        "evaluationTime": rt.eval_seconds,
        "lastEvaluation": rt.last_eval_ms.map_or_else(|| "0001-01-01T00:00:00Z".to_owned(), rfc3339),
        "ruleKey": def.key,
        "source": rule.source,
    });
    let mut out = common.as_object().cloned().unwrap_or_default();
    match rule.kind {
        RuleKind::Recording => {
            out.insert("type".into(), json!("recording"));
        }
        RuleKind::Alerting => {
            for (k, v) in [
                ("type", json!("alerting")),
                ("duration", json!(rule.for_ms / 1000)),
                ("keepFiringFor", json!(rule.keep_firing_for_ms / 1000)),
                ("annotations", json!(rule.annotations)),
                ("alerts", json!(alerts)),
                ("state", json!(state)),
                ("condition", json!(condition)),
                ("clearCondition", json!(clear)),
                ("reduce", json!(reduce)),
                ("noData", json!(no_data_name(rule))),
            ] {
                out.insert(k.into(), v);
            }
        }
    }
    Value::Object(out)
}

fn no_data_name(rule: &pulsegrid_alerting::rules::Rule) -> Value {
    serde_json::to_value(rule.no_data).unwrap_or(Value::Null)
}

/// A rule group as `/api/v1/rules` shows it.
#[derive(Debug, Default)]
struct GroupView {
    interval_ms: i64,
    rules: Vec<Value>,
    eval_seconds: f64,
    last_eval_ms: i64,
}

/// Query parameters of `/api/v1/rules`.
#[derive(Debug, Deserialize)]
pub(super) struct RulesParams {
    /// `alert` or `record`.
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `GET /api/v1/rules`: the rule groups with their rules' states.
pub(super) async fn rules(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<RulesParams>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let mut groups: BTreeMap<(String, String), GroupView> = BTreeMap::new();
    for entry in state.rules.engine.rules() {
        let kind = entry.def.rule.kind;
        let wanted = match params.kind.as_deref() {
            Some("alert") => kind == RuleKind::Alerting,
            Some("record") => kind == RuleKind::Recording,
            _ => true,
        };
        let (last_eval, eval_time) = {
            let rt = entry.runtime();
            (rt.last_eval_ms.unwrap_or(0), rt.eval_seconds)
        };
        let group = groups
            .entry((entry.def.file.clone(), entry.def.group.clone()))
            .or_insert_with(|| GroupView {
                interval_ms: entry.def.interval_ms,
                ..GroupView::default()
            });
        group.eval_seconds += eval_time;
        group.last_eval_ms = group.last_eval_ms.max(last_eval);
        if wanted {
            group.rules.push(rule_json(&entry));
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|((file, name), g)| {
            json!({
                "name": name,
                "file": file,
                "interval": g.interval_ms as f64 / 1000.0,
                "limit": 0,
                "rules": g.rules,
                "evaluationTime": g.eval_seconds,
                "lastEvaluation": if g.last_eval_ms > 0 {
                    rfc3339(g.last_eval_ms)
                } else {
                    "0001-01-01T00:00:00Z".into()
                },
            })
        })
        .collect();
    Ok(Json(
        json!({"status": "success", "data": {"groups": groups}}),
    ))
}

/// `GET /api/v1/alerts`: every pending and firing alert (and no-data/error instances).
pub(super) async fn alerts(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let mut alerts = Vec::new();
    for entry in state.rules.engine.rules() {
        let rt = entry.runtime();
        alerts.extend(
            rt.state
                .instances()
                .filter(|i| is_listed(i))
                .map(|i| alert_json(&entry, i)),
        );
    }
    Ok(Json(
        json!({"status": "success", "data": {"alerts": alerts}}),
    ))
}

/// Query parameters of `/api/v2/alerts` (Alertmanager's).
#[derive(Debug, Deserialize)]
pub(super) struct AmAlertsParams {
    active: Option<bool>,
    silenced: Option<bool>,
    inhibited: Option<bool>,
    receiver: Option<String>,
}

/// `GET /api/v2/alerts`: the alerts the notifier holds, as Alertmanager lists them.
pub(super) async fn am_alerts(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<AmAlertsParams>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Json<Value>, super::alertmanager::Failure> {
    principal.require(Role::Viewer)?;
    let filter = super::alertmanager::filter_matchers(raw.as_deref().unwrap_or(""))?;
    let now = now_ms();
    let held = state
        .rules
        .notifier
        .with_dispatcher(|d| {
            d.alerts()
                .into_iter()
                .filter(|a| !a.is_resolved_at(now))
                .map(|a| {
                    let receivers: Vec<String> = d
                        .receivers_for(&a.labels)
                        .into_iter()
                        .map(str::to_owned)
                        .collect();
                    (a.clone(), receivers, d.is_inhibited(&a.labels, now))
                })
                .collect::<Vec<_>>()
        })
        .await;
    let silences = state
        .alerting
        .with_silences(|s| {
            held.iter()
                .map(|(a, _, _)| s.silenced_by(&a.labels, now))
                .collect::<Vec<Vec<String>>>()
        })
        .await;
    let mut out = Vec::new();
    for ((alert, receivers, inhibited), silenced_by) in held.into_iter().zip(silences) {
        if !filter
            .iter()
            .all(|m| m.matches(alert.labels.get(m.name()).unwrap_or("")))
        {
            continue;
        }
        if let Some(r) = &params.receiver
            && !receivers.iter().any(|x| x == r)
        {
            continue;
        }
        let silenced = !silenced_by.is_empty();
        let suppressed = silenced || inhibited;
        if (!suppressed && params.active == Some(false))
            || (silenced && params.silenced == Some(false))
            || (inhibited && params.inhibited == Some(false))
        {
            continue;
        }
        out.push(json!({
            "labels": alert.labels,
            "annotations": alert.annotations,
            "startsAt": rfc3339(alert.starts_at),
            "endsAt": alert.ends_at.map(rfc3339),
            "updatedAt": rfc3339(alert.updated_at),
            "fingerprint": alert.fingerprint().to_string(),
            "receivers": receivers.iter().map(|r| json!({"name": r})).collect::<Vec<_>>(),
            "status": {
                "state": if suppressed { "suppressed" } else { "active" },
                "silencedBy": silenced_by,
                "inhibitedBy": if inhibited { vec!["inhibited"] } else { Vec::new() },
            },
            "generatorURL": alert.generator_url,
        }));
    }
    Ok(Json(Value::Array(out)))
}

/// Query parameters of `/api/alerting/outbox`.
#[derive(Debug, Deserialize)]
pub(super) struct OutboxParams {
    status: Option<String>,
    receiver: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/alerting/outbox`: counts and the newest notifications, with their delivery state.
pub(super) async fn outbox(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<OutboxParams>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let store = &state.store;
    let counts = store.outbox_counts().await.map_err(ApiError::internal)?;
    let items = store
        .list_outbox(&OutboxFilter {
            status: params.status.filter(|s| !s.is_empty()),
            receiver: params.receiver.filter(|s| !s.is_empty()),
            limit: params.limit,
        })
        .await
        .map_err(ApiError::internal)?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|i| {
            let body: Value = serde_json::from_str(&i.body).unwrap_or(Value::Null);
            let at = body.get("at").and_then(Value::as_i64).unwrap_or(0);
            let alerts: Vec<Value> = body
                .get("alerts")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|a| {
                            let ends = a.get("endsAt").and_then(Value::as_i64);
                            let resolved = ends.is_some_and(|e| e <= at);
                            json!({
                                "labels": a.get("labels").cloned().unwrap_or(Value::Null),
                                "status": if resolved { "resolved" } else { "firing" },
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "id": i.id,
                "receiver": i.receiver,
                "integration": i.integration,
                "groupKey": i.group_key,
                "status": i.status,
                "attempts": i.attempts,
                "nextAttemptAt": i.next_attempt_at_ms,
                "lastError": i.last_error,
                "createdAt": i.created_at_ms,
                "deliveredAt": i.delivered_at_ms,
                "failedAt": i.failed_at_ms,
                "alerts": alerts,
            })
        })
        .collect();
    Ok(Json(json!({
        "counts": {"pending": counts.pending, "delivered": counts.delivered, "failed": counts.failed},
        "items": items,
    })))
}

/// Query parameters of `/api/alerting/history`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HistoryParams {
    rule_key: Option<String>,
    alertname: Option<String>,
    instance: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    limit: Option<u32>,
}

/// `GET /api/alerting/history`: state transitions, newest first.
pub(super) async fn history(
    State(state): State<AppState>,
    principal: Principal,
    Query(p): Query<HistoryParams>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let rows = state
        .store
        .list_history(&HistoryFilter {
            rule_key: p.rule_key,
            alertname: p.alertname,
            instance: p.instance,
            since_ms: p.from,
            until_ms: p.to,
            limit: p.limit,
        })
        .await
        .map_err(ApiError::internal)?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({
                "ruleKey": r.rule_key,
                "alertname": r.alertname,
                "instance": r.instance,
                "labels": serde_json::from_str::<Value>(&r.labels).unwrap_or(Value::Null),
                "from": r.from_state,
                "to": r.to_state,
                "value": r.value,
                "at": r.at_ms,
            })
        })
        .collect();
    Ok(Json(json!({"items": items})))
}

/// Query parameters of `/api/alerting/annotations`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AnnotationParams {
    dashboard_uid: String,
    panel_id: i64,
    from: i64,
    to: i64,
}

/// `GET /api/alerting/annotations`: the alert periods (pending, firing, no data, error) of
/// the rules linked to a panel by Grafana's `__dashboardUid__` and `__panelId__` annotations,
/// overlapping `[from, to]`.
pub(super) async fn annotations(
    State(state): State<AppState>,
    principal: Principal,
    Query(p): Query<AnnotationParams>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let linked: Vec<String> = state
        .rules
        .engine
        .rules()
        .into_iter()
        .filter(|e| {
            let a = &e.def.rule.annotations;
            a.get("__dashboardUid__").map(String::as_str) == Some(p.dashboard_uid.as_str())
                && a.get("__panelId__")
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    == Some(p.panel_id)
        })
        .map(|e| e.def.key.clone())
        .collect();
    let mut items = Vec::new();
    for key in linked {
        let rows = state
            .store
            .list_history(&HistoryFilter {
                rule_key: Some(key),
                until_ms: Some(p.to.saturating_add(1)),
                limit: Some(pulsegrid_store::MAX_LIST_LIMIT),
                ..HistoryFilter::default()
            })
            .await
            .map_err(ApiError::internal)?;
        // Oldest first, per instance: each transition into a listed state opens a period that
        // the next transition closes.
        let mut open: BTreeMap<String, Value> = BTreeMap::new();
        for r in rows.into_iter().rev() {
            if let Some(mut period) = open.remove(&r.instance) {
                period["timeEnd"] = json!(r.at_ms);
                if r.at_ms >= p.from {
                    items.push(period);
                }
            }
            if matches!(
                r.to_state.as_str(),
                "pending" | "firing" | "nodata" | "error"
            ) {
                let labels: Labels = serde_json::from_str(&r.labels).unwrap_or_default();
                open.insert(
                    r.instance.clone(),
                    json!({
                        "alertname": r.alertname,
                        "labels": labels,
                        "state": r.to_state,
                        "time": r.at_ms,
                        "timeEnd": Value::Null,
                        "value": r.value,
                    }),
                );
            }
        }
        items.extend(open.into_values());
    }
    items.sort_by_key(|v| v["time"].as_i64().unwrap_or(0));
    Ok(Json(json!({"items": items})))
}

/// `GET /api/alerting/errors`: rule files (and `alertmanager.yml`) that did not load.
pub(super) async fn errors(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    Ok(Json(json!({"errors": state.rules.errors()})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_formatted_as_prometheus_does() {
        assert_eq!(prom_value(Some(8.5)), "8.5e+00");
        assert_eq!(prom_value(Some(1234.0)), "1.234e+03");
        assert_eq!(prom_value(Some(0.001)), "1e-03");
        assert_eq!(prom_value(Some(0.0)), "0e+00");
        assert_eq!(prom_value(None), "NaN");
        assert_eq!(prom_value(Some(f64::INFINITY)), "+Inf");
    }
}
