//! The WebSocket session of `/api/live/ws`: client ops in, frames out (see DESIGN.md, "WebSocket
//! protocol").
//!
//! One task per connection drives everything with a single hand-written poll: write queued
//! messages, read client ops, take topic events, ping. Nothing is spawned per subscription;
//! the topics' receivers sit in one `SelectAll`, so only woken receivers are polled. The
//! outgoing queue is bounded ([`HubConfig::client_queue`](crate::HubConfig)): when it is full
//! the subscription's waiting frames are dropped and, once the socket has drained, replaced by
//! one fresh `replace:true` frame built from the topics' current windows. A lagging broadcast
//! receiver resyncs the same way, so a slow client never blocks the hub or other clients and
//! never holds more than its queue.

mod outbox;
mod protocol;
mod queries;
mod session;

use std::fmt;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::serve::IncomingStream;
use serde_json::{Map, Value};
use tokio::net::{TcpListener, TcpStream};

use crate::direct::DirectSocket;
use crate::hub::{Hub, QuerySpec};
use session::Session;

/// Subscriptions one connection may hold at once.
pub const MAX_SUBSCRIPTIONS: usize = 256;
/// Bytes tungstenite reads at a time; client ops are a few hundred bytes.
pub const READ_BUFFER_SIZE: usize = 1024;
/// Largest client message accepted.
pub const MAX_CLIENT_MESSAGE: usize = 64 * 1024;
/// Bytes tungstenite gathers before it writes to the socket without being flushed. The
/// session queues every frame that is ready and then flushes once, so frames that arrived
/// together leave in one `send` (on loopback a `send` costs about 80 % of a delivered
/// frame's CPU); this only bounds how much one batch holds before it is written.
pub const WRITE_BUFFER_SIZE: usize = 16 * 1024;
/// Safety net for tungstenite's write buffer: the session hands it at most a batch of
/// messages before flushing, so only a single very large replace frame could come near this.
pub const MAX_WRITE_BUFFER_SIZE: usize = 32 * 1024 * 1024;

/// Finds the queries of a dashboard panel.
pub trait PanelResolver: Send + Sync + fmt::Debug {
    /// The queries of a dashboard panel: datasource reference (panel's or target's), target,
    /// maxDataPoints, refresh; `Err(message)` for an unknown dashboard or panel.
    fn resolve(&self, dashboard_uid: &str, panel_id: i64) -> Result<Vec<PanelQuery>, String>;

    /// The live queries of a panel subscription: the panel's targets with the client's
    /// variable values interpolated, over the client's window adjusted by the panel's time
    /// overrides and the requested shift. The default takes [`Self::resolve`]'s queries
    /// unchanged over the (shifted) window, with the client's `maxDataPoints`.
    fn resolve_panel(&self, request: &PanelRequest) -> Result<Vec<QuerySpec>, String> {
        let queries = self.resolve(&request.dashboard, request.panel)?;
        let (from, to) = queries::shifted(&request.from, &request.to, request.shift.as_deref())?;
        let poll_only = request.shift.is_some();
        Ok(queries
            .into_iter()
            .map(|q| QuerySpec {
                datasource: q.datasource,
                target: q.target,
                from: from.clone(),
                to: to.clone(),
                max_data_points: request.max_data_points.unwrap_or(q.max_data_points),
                refresh_ms: q.refresh_ms,
                poll_only,
            })
            .collect())
    }

    /// The live queries of an inline subscription (targets the client sends, e.g. a panel
    /// being edited), resolved like a saved panel's. The default refuses them.
    fn resolve_inline(&self, request: &InlineRequest) -> Result<Vec<QuerySpec>, String> {
        let _ = request;
        Err("inline subscriptions are not supported by this server".into())
    }
}

/// A subscription to a saved dashboard panel, as the client sent it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PanelRequest {
    /// The dashboard's uid (`dashboard`).
    pub dashboard: String,
    /// The panel's id (`panel`).
    pub panel: i64,
    /// The window's start (`from`, default `now-5m`).
    pub from: String,
    /// The window's end (`to`, default `now`).
    pub to: String,
    /// The variable values the user picked (`vars`: `{"name": "value" | ["a", "b"]}`); they
    /// override the dashboard's saved values.
    pub vars: Map<String, Value>,
    /// The panel's width in pixels (`maxDataPoints`); overrides the panel's setting.
    pub max_data_points: Option<u32>,
    /// How far back to move the window (`shift`, e.g. `1d`) to compare with the past; such
    /// a subscription is polled and its frames carry the old timestamps.
    pub shift: Option<String>,
}

/// A subscription to queries the client sends itself (`targets`), e.g. a panel editor's
/// unsaved edits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InlineRequest {
    /// A dashboard whose variables apply (`dashboard`, optional).
    pub dashboard: Option<String>,
    /// The panel-level datasource reference (`datasource`; a target's own one wins).
    pub datasource: Option<Value>,
    /// The queries, as a panel's `targets` (`targets`).
    pub targets: Vec<Value>,
    /// The window's start (`from`, default `now-5m`).
    pub from: String,
    /// The window's end (`to`, default `now`).
    pub to: String,
    /// Variable values (`vars`), as for a panel subscription.
    pub vars: Map<String, Value>,
    /// The panel's width in pixels (`maxDataPoints`).
    pub max_data_points: Option<u32>,
    /// How far back to move the window (`shift`), as for a panel subscription.
    pub shift: Option<String>,
}

/// One query of a panel.
#[derive(Clone, Debug)]
pub struct PanelQuery {
    /// The target's datasource reference, else the panel's (null for the default).
    pub datasource: Option<Value>,
    /// The target as the dashboard stores it.
    pub target: Value,
    /// The panel's `maxDataPoints` (or one derived from its width).
    pub max_data_points: u32,
    /// The dashboard's refresh interval in ms, if set.
    pub refresh_ms: Option<i64>,
}

/// A callback run when a socket opens or closes.
pub type SessionHook = Arc<dyn Fn() + Send + Sync>;

/// Per-connection settings.
#[derive(Clone)]
pub struct SessionOptions {
    /// How often to ping the client; a client that has sent nothing (not even a pong) for a
    /// whole interval after a ping is dropped.
    pub ping_interval: Duration,
    /// Run once when the session starts (e.g. to count open sockets).
    pub on_open: Option<SessionHook>,
    /// Run once when the session ends.
    pub on_close: Option<SessionHook>,
    /// The connection's TCP socket (a second handle on it): while the session is idle, live
    /// frames are written to it directly by the publishing thread instead of waking the
    /// session (see `DirectSocket`). `None` always goes through the session.
    pub direct: Option<DirectSocket>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            ping_interval: Duration::from_secs(30),
            on_open: None,
            on_close: None,
            direct: None,
        }
    }
}

impl fmt::Debug for SessionOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionOptions")
            .field("ping_interval", &self.ping_interval)
            .field("on_open", &self.on_open.is_some())
            .field("on_close", &self.on_close.is_some())
            .field("direct", &self.direct.is_some())
            .finish()
    }
}

/// Applies the buffer sizes a live socket should use: a 1 KiB read buffer (client ops are
/// small), buffered writes up to [`WRITE_BUFFER_SIZE`] (the session batches the frames that
/// are ready and flushes once), a write-buffer cap as a safety net, and a 64 KiB limit on
/// client messages. Keeps an idle connection's footprint to a few KiB.
pub fn configure_upgrade(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
        .max_write_buffer_size(MAX_WRITE_BUFFER_SIZE)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
}

/// What each request learns about its connection: the peer's address and a second handle on
/// the TCP socket (while descriptors allow), which the live WebSocket writes frames to directly (`direct` in
/// [`SessionOptions`]). Serve a `tokio::net::TcpListener` with
/// `into_make_service_with_connect_info::<Peer>()`; each connection also gets `TCP_NODELAY`.
#[derive(Clone, Debug)]
pub struct Peer {
    /// The client's address.
    pub addr: SocketAddr,
    /// The connection's socket; `None` if it could not be duplicated (out of descriptors).
    pub socket: Option<DirectSocket>,
}

impl Connected<IncomingStream<'_, TcpListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        Peer::of(stream.io(), *stream.remote_addr())
    }
}

impl Peer {
    /// Also turns on `TCP_NODELAY`: live frames are small and must not wait for more.
    fn of(io: &TcpStream, addr: SocketAddr) -> Peer {
        if let Err(e) = io.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let socket = DirectSocket::duplicate(io.as_fd());
        Peer { addr, socket }
    }
}

/// Serves one upgraded WebSocket until the client leaves or stops answering pings.
pub async fn serve_socket(
    socket: WebSocket,
    hub: Hub,
    resolver: Arc<dyn PanelResolver>,
    options: SessionOptions,
) {
    if let Some(hook) = &options.on_open {
        hook();
    }
    hub.counters().connections.fetch_add(1, Ordering::Relaxed);
    // Counted as closed even if this future is dropped (server shutdown).
    let _open = OpenConnection {
        hub: hub.clone(),
        on_close: options.on_close.clone(),
    };
    let mut session = Session::new(
        socket,
        hub,
        resolver,
        options.ping_interval,
        options.direct.clone(),
    );
    session.run().await;
}

/// Takes a connection out of the counters and runs `on_close` when the session ends.
struct OpenConnection {
    hub: Hub,
    on_close: Option<SessionHook>,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.hub
            .counters()
            .connections
            .fetch_sub(1, Ordering::Relaxed);
        if let Some(hook) = &self.on_close {
            hook();
        }
    }
}
