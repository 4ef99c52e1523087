//! Pulsegrid's server: the axum application, its state, auth, provisioning, and `serve`.

pub mod alerting;
pub mod api;
pub mod auth;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod datasources;
pub mod error;
pub mod live;
pub mod metrics;
pub mod provisioning;
pub mod serve;
pub mod state;
pub mod web;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::get;

pub use config::Config;
pub use state::AppState;

/// The whole application: API, metrics and UI, with auth and request metrics around it.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.max_body_bytes;
    Router::new()
        .merge(api::routes())
        .merge(web::routes())
        .route("/metrics", get(metrics::serve_metrics))
        .fallback(web::not_found)
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(from_fn_with_state(state.clone(), metrics::track_http))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}
