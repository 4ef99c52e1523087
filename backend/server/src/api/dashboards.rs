//! `GET|DELETE /api/dashboards/uid/{uid}`, `POST /api/dashboards/db` and version history,
//! in Grafana's shapes.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Principal, Role};
use crate::catalog::{self, SaveRequest};
use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::state::AppState;

/// A dashboard and its meta.
pub(super) async fn get_one(
    State(state): State<AppState>,
    principal: Principal,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let found = catalog::find(&state, &uid)
        .await?
        .ok_or_else(|| catalog::dashboard_not_found(&uid))?;
    catalog::to_api_json(&found, &principal).map(Json)
}

/// The body of `POST /api/dashboards/db`; unknown fields (folderId, ...) are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SaveBody {
    dashboard: Option<Value>,
    #[serde(default)]
    overwrite: bool,
    #[serde(default)]
    message: String,
    #[serde(default)]
    folder_uid: String,
}

/// Creates or updates a dashboard.
pub(super) async fn save(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Editor)?;
    let body: SaveBody = parse_json_body(&body)?;
    let dashboard = body
        .dashboard
        .ok_or_else(|| ApiError::bad_request("dashboard: is required"))?;
    let saved = catalog::save(
        &state,
        &principal,
        SaveRequest {
            dashboard,
            overwrite: body.overwrite,
            message: body.message,
            folder_uid: body.folder_uid,
        },
    )
    .await?;
    let d = saved.stored;
    let slug = catalog::slugify(&d.title);
    Ok(Json(json!({
        "id": d.id,
        "uid": d.uid,
        "url": format!("/d/{}/{slug}", d.uid),
        "status": "success",
        "version": d.version,
        "slug": slug,
        "folderUid": d.folder,
    })))
}

/// Deletes a dashboard saved through the API.
pub(super) async fn delete_one(
    State(state): State<AppState>,
    principal: Principal,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Editor)?;
    let deleted = catalog::delete(&state, &uid).await?;
    Ok(Json(json!({
        "id": deleted.id,
        "uid": deleted.uid,
        "title": deleted.title,
        "message": format!("Dashboard {} deleted", deleted.title),
    })))
}

/// The version history of a saved dashboard, newest first.
pub(super) async fn versions(
    State(state): State<AppState>,
    principal: Principal,
    Path(uid): Path<String>,
) -> Result<Json<Vec<Value>>, ApiError> {
    principal.require(Role::Viewer)?;
    let stored = state
        .store
        .get_dashboard(&uid)
        .await?
        .ok_or_else(|| catalog::dashboard_not_found(&uid))?;
    let versions = state.store.dashboard_versions(&uid).await?;
    Ok(Json(
        versions
            .iter()
            .map(|v| version_json(stored.id, v, false))
            .collect(),
    ))
}

/// One version with its document under `data`.
pub(super) async fn version(
    State(state): State<AppState>,
    principal: Principal,
    Path((uid, version)): Path<(String, i64)>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    let stored = state
        .store
        .get_dashboard(&uid)
        .await?
        .ok_or_else(|| catalog::dashboard_not_found(&uid))?;
    let v = state
        .store
        .dashboard_version(&uid, version)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("dashboard {uid:?} has no version {version}"))
        })?;
    Ok(Json(version_json(stored.id, &v, true)))
}

fn version_json(
    dashboard_id: i64,
    v: &pulsegrid_store::DashboardVersion,
    with_data: bool,
) -> Value {
    let mut out = json!({
        "id": v.version,
        "dashboardId": dashboard_id,
        "uid": v.uid,
        "parentVersion": (v.version - 1).max(0),
        "restoredFrom": 0,
        "version": v.version,
        "created": rfc3339(v.created_at_ms),
        "createdBy": v.created_by.as_deref().unwrap_or(""),
        "message": v.message,
    });
    if with_data {
        let data: Value = serde_json::from_str(&v.json).unwrap_or(Value::Null);
        out["data"] = data;
    }
    out
}

/// Parses a JSON request body; a syntax error names line and column.
pub(super) fn parse_json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("request body:{}:{}: {e}", e.line(), e.column()))
    })
}
