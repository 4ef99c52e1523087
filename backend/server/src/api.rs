//! The HTTP API: one router, thin handlers; the logic lives in the modules they call.

mod alertmanager;
mod dashboards;
mod datasources;
mod health;
mod live;
mod query;
pub mod render;
mod rules;
mod search;
mod users;
mod variables;
mod write;

use axum::Router;
use axum::routing::{delete, get, patch, post, put};

use crate::state::AppState;

/// Every `/api` route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health::health))
        .route("/api/search", get(search::search))
        .route("/api/dashboards/db", post(dashboards::save))
        .route(
            "/api/dashboards/uid/{uid}",
            get(dashboards::get_one).delete(dashboards::delete_one),
        )
        .route(
            "/api/dashboards/uid/{uid}/versions",
            get(dashboards::versions),
        )
        .route(
            "/api/dashboards/uid/{uid}/versions/{version}",
            get(dashboards::version),
        )
        .route("/api/dashboards/tags", get(search::tags))
        .route("/api/provisioning/errors", get(health::provisioning_errors))
        .route("/api/datasources", get(datasources::list))
        .route("/api/datasources/uid/{uid}", get(datasources::by_uid))
        .route("/api/datasources/name/{name}", get(datasources::by_name))
        .route("/api/login", post(users::login))
        .route("/api/logout", post(users::logout))
        .route("/logout", get(users::logout))
        .route("/api/user", get(users::current))
        .route("/api/user/password", put(users::change_own_password))
        .route(
            "/api/auth/keys",
            get(users::list_keys).post(users::create_key),
        )
        .route("/api/auth/keys/{id}", delete(users::delete_key))
        .route("/api/users", get(users::list_users))
        .route("/api/admin/users", post(users::create_user))
        .route("/api/admin/users/{id}", delete(users::delete_user))
        .route("/api/admin/users/{id}/password", put(users::set_password))
        .route("/api/org/users/{id}", patch(users::set_role))
        .route("/write", post(write::write_v1))
        .route("/api/v2/write", post(write::write_v2))
        .route("/api/live/push/{stream}", post(write::push))
        .route("/api/live/ws", get(live::websocket))
        .route("/api/ds/query", post(query::query))
        .route("/api/variables/query", post(variables::query))
        .route("/render/d/{uid}/{panel_file}", get(render::panel_image))
        .route("/api/v2/status", get(alertmanager::status))
        .route(
            "/api/v2/silences",
            get(alertmanager::list).post(alertmanager::post),
        )
        .route(
            "/api/v2/silence/{id}",
            get(alertmanager::get_one).delete(alertmanager::expire),
        )
        .route("/api/v2/alerts", get(rules::am_alerts))
        .route("/api/v1/rules", get(rules::rules))
        .route("/api/v1/alerts", get(rules::alerts))
        .route("/api/alerting/outbox", get(rules::outbox))
        .route("/api/alerting/history", get(rules::history))
        .route("/api/alerting/annotations", get(rules::annotations))
        .route("/api/alerting/errors", get(rules::errors))
}
