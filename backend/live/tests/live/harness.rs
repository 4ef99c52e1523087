//! A real axum server on a loopback port and a tokio-tungstenite client.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use pulsegrid_live::{Hub, PanelResolver, Peer, SessionOptions, configure_upgrade, serve_socket};
use serde_json::Value;
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// How long a test waits for something that should happen (a correctness timeout).
pub(crate) const PATIENCE: Duration = Duration::from_secs(15);

/// The server side: the hub behind `/ws`.
pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    pub(crate) hub: Hub,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct AppState {
    hub: Hub,
    resolver: Arc<dyn PanelResolver>,
}

async fn live_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    ws: WebSocketUpgrade,
) -> Response {
    let options = SessionOptions {
        direct: peer.socket,
        ..SessionOptions::default()
    };
    configure_upgrade(ws)
        .on_upgrade(move |socket| serve_socket(socket, state.hub, state.resolver, options))
}

/// Starts a server. Its sockets get a small send buffer, so a client that stops reading
/// backs up into the server's queue after a few frames rather than megabytes.
pub(crate) async fn start(hub: Hub, resolver: Arc<dyn PanelResolver>) -> TestServer {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_send_buffer_size(4096).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1024).unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/ws", get(live_ws))
        .with_state(AppState {
            hub: hub.clone(),
            resolver,
        });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<Peer>()).await;
    });
    TestServer { addr, hub, task }
}

/// A WebSocket client.
pub(crate) struct Client {
    ws: WebSocketStream<TcpStream>,
}

impl Client {
    pub(crate) async fn connect(addr: SocketAddr) -> Client {
        Self::connect_with(addr, None).await
    }

    /// Connects with a small receive buffer (for a client that will stall).
    pub(crate) async fn connect_small(addr: SocketAddr) -> Client {
        Self::connect_with(addr, Some(4096)).await
    }

    async fn connect_with(addr: SocketAddr, recv_buffer: Option<u32>) -> Client {
        let socket = TcpSocket::new_v4().unwrap();
        if let Some(size) = recv_buffer {
            socket.set_recv_buffer_size(size).unwrap();
        }
        let stream = socket.connect(addr).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
            .await
            .unwrap();
        Client { ws }
    }

    pub(crate) async fn send(&mut self, value: Value) {
        self.send_text(&value.to_string()).await;
    }

    pub(crate) async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.unwrap();
    }

    /// The next JSON message (pings are answered and skipped).
    pub(crate) async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("no message in time")
                .expect("socket closed")
                .expect("socket error");
            match message {
                Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
                Message::Close(_) => panic!("server closed the socket"),
                _ => {}
            }
        }
    }

    /// The next `op` message for `sub`, skipping others.
    pub(crate) async fn recv_op(&mut self, op: &str, sub: &str) -> Value {
        loop {
            let message = self.recv().await;
            if message["op"] == op && message["sub"] == sub {
                return message;
            }
        }
    }

    pub(crate) async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// Waits until `check` holds, polling; panics after [`PATIENCE`].
pub(crate) async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The values of the frame's first series.
pub(crate) fn values(frame: &Value) -> Vec<f64> {
    frame["series"][0]["v"]
        .as_array()
        .map(|v| v.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}
