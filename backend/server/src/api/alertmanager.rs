//! Alertmanager's v2 API as far as `amtool` needs it: `GET /api/v2/status` and the silences.
//! Errors of these endpoints have Alertmanager's body, a JSON string, so amtool prints them;
//! the silence logic lives in [`crate::alerting`].

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pulsegrid_alerting::notify::matchers::{Matcher, parse_matcher};
use pulsegrid_alerting::notify::silence::PostableSilence;
use pulsegrid_alerting::notify::{self, Silence};
use serde_json::{Value, json};

use crate::alerting::SilenceError;
use crate::auth::{Principal, Role};
use crate::clock::{now_ms, rfc3339};
use crate::error::ApiError;
use crate::state::AppState;

/// An Alertmanager error answer: a status and a JSON string body.
#[derive(Debug)]
pub(super) struct AmError(StatusCode, String);

impl IntoResponse for AmError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<SilenceError> for AmError {
    fn from(e: SilenceError) -> Self {
        match e {
            SilenceError::Silence(e) => {
                let status =
                    StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
                AmError(status, e.to_string())
            }
            other => {
                tracing::error!(error = %other, "silence store failed");
                AmError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal server error".to_owned(),
                )
            }
        }
    }
}

/// A handler's error: auth (Pulsegrid's shape) or Alertmanager's.
#[derive(Debug)]
pub(super) enum Failure {
    /// 401/403 from [`Principal::require`].
    Auth(ApiError),
    /// Everything else.
    Am(AmError),
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Auth(e) => e.into_response(),
            Failure::Am(e) => e.into_response(),
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Auth(e)
    }
}

impl From<AmError> for Failure {
    fn from(e: AmError) -> Self {
        Failure::Am(e)
    }
}

impl From<SilenceError> for Failure {
    fn from(e: SilenceError) -> Self {
        Failure::Am(e.into())
    }
}

impl From<notify::Error> for Failure {
    fn from(e: notify::Error) -> Self {
        Failure::Am(e.into())
    }
}

impl From<notify::Error> for AmError {
    fn from(e: notify::Error) -> Self {
        SilenceError::from(e).into()
    }
}

/// `GET /api/v2/status`: what amtool reads first; clustering is off.
pub(super) async fn status(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Viewer)?;
    Ok(Json(json!({
        "cluster": {"status": "disabled", "peers": []},
        "versionInfo": {
            "version": env!("CARGO_PKG_VERSION"),
            "revision": option_env!("PULSEGRID_REVISION").unwrap_or(""),
            "branch": "",
            "buildUser": "",
            "buildDate": "",
            "goVersion": "",
        },
        "config": {"original": ""},
        "uptime": rfc3339(state.alerting.started_at_ms),
    })))
}

/// `GET /api/v2/silences?filter=...`: every silence matching all filter matchers.
pub(super) async fn list(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<Silence>>, Failure> {
    principal.require(Role::Viewer)?;
    let filter = filter_matchers(query.as_deref().unwrap_or(""))?;
    Ok(Json(state.alerting.list_silences(&filter, now_ms()).await))
}

/// The `filter` query parameters (repeatable), each one matcher.
pub(super) fn filter_matchers(query: &str) -> Result<Vec<Matcher>, AmError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| AmError(StatusCode::BAD_REQUEST, format!("bad query string: {e}")))?;
    pairs
        .iter()
        .filter(|(k, _)| k == "filter")
        .map(|(_, v)| parse_matcher(v.trim()).map_err(AmError::from))
        .collect()
}

/// `GET /api/v2/silence/{id}`.
pub(super) async fn get_one(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Silence>, Failure> {
    principal.require(Role::Viewer)?;
    let silence = state
        .alerting
        .silence(&id, now_ms())
        .await
        .ok_or(notify::Error::SilenceNotFound(id))?;
    Ok(Json(silence))
}

/// `POST /api/v2/silences`: creates, or updates by `id`; answers `{"silenceID": ...}` once
/// the silence is in the store.
pub(super) async fn post(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<Json<Value>, Failure> {
    principal.require(Role::Editor)?;
    let post: PostableSilence = serde_json::from_slice(&body).map_err(|e| {
        AmError(
            StatusCode::BAD_REQUEST,
            format!("invalid silence body: {e}"),
        )
    })?;
    let id = state.alerting.set_silence(post, now_ms()).await?;
    Ok(Json(json!({ "silenceID": id })))
}

/// `DELETE /api/v2/silence/{id}`: expires it (kept, so `--expired` still lists it).
pub(super) async fn expire(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    principal.require(Role::Editor)?;
    state.alerting.expire_silence(&id, now_ms()).await?;
    Ok(StatusCode::OK)
}
