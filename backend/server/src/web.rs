//! The browser UI: the single-page app built from `web/` by `build.rs` and embedded in the
//! binary. `/`, `/d/{uid}`, `/login` and `/alerting` answer with `index.html`; the hashed
//! bundles under `/assets/` are served (gzip when the client accepts it) with a year-long
//! cache, since their names change with their content. Unknown paths get a JSON 404.

use axum::Router;
use axum::extract::{OriginalUri, Path};
use axum::http::HeaderMap;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, VARY,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;
use crate::state::AppState;

mod assets {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// The page's policy: scripts and connections only from this origin (no inline script);
/// inline styles are allowed because uPlot and the layout set element styles.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/// Routes that serve the UI.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/d/{uid}", get(index))
        .route("/d/{uid}/{slug}", get(index))
        .route("/login", get(index))
        .route("/alerting", get(index))
        .route("/assets/{*file}", get(asset))
        .route("/favicon.svg", get(favicon))
}

/// An embedded file by its path under the build root (`/index.html`).
fn find(path: &str) -> Option<&'static (&'static str, &'static str, &'static [u8], &'static [u8])> {
    assets::ASSETS.iter().find(|(p, ..)| *p == path)
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn serve(path: &str, headers: &HeaderMap, cache: &'static str) -> Response {
    let Some((_, content_type, body, gz)) = find(path) else {
        return ApiError::not_found(format!("no UI asset {path}")).into_response();
    };
    let mut response = if accepts_gzip(headers) && gz.len() < body.len() {
        ([(CONTENT_ENCODING, "gzip")], *gz).into_response()
    } else {
        (*body).into_response()
    };
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        content_type.parse().expect("static content type"),
    );
    h.insert(CACHE_CONTROL, cache.parse().expect("static cache header"));
    h.insert(VARY, "Accept-Encoding".parse().expect("static vary header"));
    h.insert(
        X_CONTENT_TYPE_OPTIONS,
        "nosniff".parse().expect("static header"),
    );
    response
}

async fn index(headers: HeaderMap) -> Response {
    let mut response = serve("/index.html", &headers, "no-cache");
    response
        .headers_mut()
        .insert(CONTENT_SECURITY_POLICY, CSP.parse().expect("static CSP"));
    response
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    serve(
        &format!("/assets/{file}"),
        &headers,
        "public, max-age=31536000, immutable",
    )
}

async fn favicon(headers: HeaderMap) -> Response {
    serve("/favicon.svg", &headers, "public, max-age=86400")
}

/// Unknown paths: a JSON 404 naming the path.
pub async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::not_found(format!("no route for {}", uri.path()))
}
