//! `GET /api/live/ws`: the WebSocket every dashboard tab opens; the session itself (protocol,
//! fan-out, backpressure) lives in `pulsegrid-live`.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use axum::response::{IntoResponse, Response};

use pulsegrid_live::{Peer, SessionOptions};

use crate::auth::{Principal, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// Upgrades to the live protocol. A browser's cross-site page may not open it (the cookie
/// would ride along), so a foreign `Origin` is refused.
pub(super) async fn websocket(
    State(state): State<AppState>,
    principal: Principal,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    principal.require(Role::Viewer)?;
    if let (Some(origin), Some(host)) = (headers.get(ORIGIN), headers.get(HOST)) {
        let origin = origin.to_str().unwrap_or("");
        let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
        if origin_host != host.to_str().unwrap_or("") {
            return Err(ApiError::forbidden(
                "cross-site WebSocket refused: Origin does not match Host",
            ));
        }
    }
    let hub = state.hub.clone();
    let resolver = state.resolver.clone();
    let metrics = state.metrics.clone();
    let options = SessionOptions {
        direct: peer.socket,
        ..SessionOptions::default()
    };
    Ok(pulsegrid_live::configure_upgrade(upgrade)
        .on_upgrade(move |socket| async move {
            metrics.websocket_connections.inc();
            pulsegrid_live::serve_socket(socket, hub, resolver, options).await;
            metrics.websocket_connections.dec();
        })
        .into_response())
}
