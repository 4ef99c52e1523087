//! `GET /api/datasources` and lookups by uid and name; secrets never leave the server.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

use crate::auth::{Principal, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// Every datasource.
pub(super) async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<Value>>, ApiError> {
    principal.require(Role::Viewer)?;
    let ds = &state.datasources;
    Ok(Json(ds.list().iter().map(|d| ds.to_api_json(d)).collect()))
}

/// One datasource by uid.
pub(super) async fn by_uid(
    State(state): State<AppState>,
    principal: Principal,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let ds = &state.datasources;
    ds.list()
        .iter()
        .find(|d| d.uid_or_name() == uid)
        .map(|d| Json(ds.to_api_json(d)))
        .ok_or_else(|| ApiError::not_found(format!("datasource {uid:?} not found")))
}

/// One datasource by name.
pub(super) async fn by_name(
    State(state): State<AppState>,
    principal: Principal,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let ds = &state.datasources;
    ds.list()
        .iter()
        .find(|d| d.name == name)
        .map(|d| Json(ds.to_api_json(d)))
        .ok_or_else(|| ApiError::not_found(format!("datasource {name:?} not found")))
}
