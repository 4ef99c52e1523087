//! The browser UI's routes: the embedded single-page app for `/`, `/d/{uid}`, `/login` and
//! `/alerting`, and JSON 404s for unknown API paths.

use axum::Router;
use axum::extract::OriginalUri;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;
use crate::state::AppState;

const INDEX_HTML: &str = include_str!("../../../web/index.html");

/// Routes that serve the UI.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/d/{uid}", get(index))
        .route("/d/{uid}/{slug}", get(index))
        .route("/login", get(index))
        .route("/alerting", get(index))
}

async fn index() -> Response {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
            (
                CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; connect-src 'self'",
            ),
        ],
        INDEX_HTML,
    )
        .into_response()
}

/// Unknown paths: a JSON 404 naming the path.
pub async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::not_found(format!("no route for {}", uri.path()))
}
