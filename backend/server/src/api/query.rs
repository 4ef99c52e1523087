//! `POST /api/ds/query`: Grafana's query endpoint, for one-off range queries of any source
//! (`{"from", "to", "queries": [{"refId", "datasource", ...target fields}]}`). Each result is
//! `{"series": [{name, labels, t, v}]}` (the WebSocket protocol's shape) or `{"error"}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use pulsegrid_connectors::QueryRequest;
use pulsegrid_model::TimeRange;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::dashboards::parse_json_body;
use crate::auth::{Principal, Role};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryBody {
    #[serde(default = "default_from")]
    from: Value,
    #[serde(default = "default_to")]
    to: Value,
    queries: Vec<Value>,
}

/// `from` when a request body has none (Grafana's default range, the last hour).
pub(super) fn default_from() -> Value {
    Value::String("now-1h".into())
}

/// `to` when a request body has none.
pub(super) fn default_to() -> Value {
    Value::String("now".into())
}

/// A body's `from`/`to` (date math strings or epoch milliseconds) as a range as of now; a bad
/// one is 400 naming the fields.
pub(super) fn body_range(from: &Value, to: &Value) -> Result<TimeRange, ApiError> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    TimeRange::parse(&text(from), &text(to), now_ms())
        .map_err(|e| ApiError::bad_request(format!("from/to: {e}")))
}

/// Runs each query against its datasource.
pub(super) async fn query(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let body: QueryBody = parse_json_body(&body)?;
    let range = body_range(&body.from, &body.to)?;
    let mut results = Map::new();
    for (i, target) in body.queries.into_iter().enumerate() {
        let ref_id = target
            .get("refId")
            .and_then(Value::as_str)
            .map_or_else(|| format!("Q{i}"), str::to_owned);
        let result = match state.sources.resolve(target.get("datasource")) {
            None => json!({"error": format!("queries[{i}].datasource: no such datasource")}),
            Some(source) => {
                let max_points = target
                    .get("maxDataPoints")
                    .and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(1000);
                let min_interval = target
                    .get("intervalMs")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let request = QueryRequest::new(target, range, max_points, min_interval);
                match source.query_range(&request).await {
                    Ok(series) => json!({ "series": series }),
                    Err(e) => json!({ "error": e.to_string() }),
                }
            }
        };
        results.insert(ref_id, result);
    }
    Ok(Json(json!({ "results": results })))
}
