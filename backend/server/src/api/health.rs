//! `GET /api/health` and `GET /api/provisioning/errors`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::auth::{Principal, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// Grafana's health shape: `{"database": "ok", "version": ...}`; 503 when the database is down.
/// Open to everyone, as load balancers call it without credentials.
pub(super) async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (status, database) = match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "failing")
        }
    };
    let body = json!({
        "database": database,
        "version": env!("CARGO_PKG_VERSION"),
        "commit": option_env!("PULSEGRID_COMMIT").unwrap_or("dev"),
    });
    (status, Json(body))
}

/// Files that failed to provision, with their errors.
pub(super) async fn provisioning_errors(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    Ok(Json(json!({
        "dashboards": state.provisioner.errors(),
        "datasources": state.datasources.errors(),
    })))
}
