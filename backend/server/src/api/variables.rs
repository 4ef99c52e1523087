//! `POST /api/variables/query`: the options of a dashboard query variable, for the UI's
//! variable pickers. Body `{"datasource": {"uid": ...} | "name" | null, "query": "...",
//! "from": "now-1h", "to": "now"}`; answer `{"values": [{"text", "value"}]}`, sorted by value
//! and without repeats. The source answers the query ([`Source::variable_values`]).
//!
//! [`Source::variable_values`]: pulsegrid_connectors::Source::variable_values

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use pulsegrid_connectors::variables::sorted_unique;
use pulsegrid_connectors::{SourceError, VariableQuery};
use serde::Deserialize;
use serde_json::{Value, json};

use super::dashboards::parse_json_body;
use super::query::body_range;
use crate::auth::{Principal, Role};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariableQueryBody {
    #[serde(default)]
    datasource: Value,
    query: String,
    #[serde(default = "super::query::default_from")]
    from: Value,
    #[serde(default = "super::query::default_to")]
    to: Value,
}

/// Runs a variable query on its datasource.
pub(super) async fn query(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let body: VariableQueryBody = parse_json_body(&body)?;
    if !matches!(
        body.datasource,
        Value::Null | Value::String(_) | Value::Object(_)
    ) {
        return Err(ApiError::bad_request(format!(
            "datasource: expected {{\"uid\": ...}}, a uid or name, or null for the default, found {}",
            body.datasource
        )));
    }
    let source = state
        .sources
        .resolve(Some(&body.datasource))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "datasource: unknown datasource {}; expected the uid or name of a configured \
                 datasource",
                body.datasource
            ))
        })?;
    let range = body_range(&body.from, &body.to)?;
    let query = VariableQuery {
        query: body.query,
        range,
    };
    let values = source.variable_values(&query).await.map_err(source_error)?;
    Ok(Json(json!({ "values": sorted_unique(values) })))
}

/// A bad or unsupported query is the client's (400, with the source's message); an
/// unreachable or failing upstream is 502.
fn source_error(e: SourceError) -> ApiError {
    match e {
        SourceError::InvalidQuery(_) | SourceError::Unsupported(_) => {
            ApiError::bad_request(format!("query: {e}"))
        }
        SourceError::Upstream { .. } | SourceError::Config { .. } => {
            tracing::warn!(error = %e, "variable query failed upstream");
            ApiError::new(StatusCode::BAD_GATEWAY, e.to_string())
        }
    }
}
