//! A dashboard panel on an upstream WebSocket feed: the feed server (run by the test, the
//! independent side) sends JSON ticks that reach the browser's WebSocket; the feed server
//! closing shows as `down`, its return as `up` with ticks flowing again.

mod common;

use std::time::Duration;

use common::TestServer;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A feed: every connection that sends the subscribe message gets the broadcast ticks.
struct Feed {
    port: u16,
    ticks: broadcast::Sender<String>,
    task: JoinHandle<()>,
}

impl Feed {
    async fn start(port: u16) -> Feed {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let port = listener.local_addr().unwrap().port();
        let (ticks, _) = broadcast::channel(64);
        let tx = ticks.clone();
        let task = tokio::spawn(async move {
            let mut conns = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                let mut rx = tx.subscribe();
                conns.push(tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                        return;
                    };
                    // Wait for the subscribe message, as many feeds do.
                    match ws.next().await {
                        Some(Ok(Message::Text(t))) if t.contains("subscribe") => {}
                        _ => return,
                    }
                    while let Ok(tick) = rx.recv().await {
                        if ws.send(Message::text(tick)).await.is_err() {
                            return;
                        }
                    }
                }));
            }
        });
        Feed { port, ticks, task }
    }

    fn send(&self, tick: Value) {
        let _ = self.ticks.send(tick.to_string());
    }

    /// Drops the listener and every connection (dropping `ticks`, the last sender, ends
    /// each connection's task, which closes its socket).
    fn kill(self) -> u16 {
        self.task.abort();
        self.port
    }
}

fn start_server(feed_port: u16, dir: &std::path::Path) -> TestServer {
    let ds = dir.join("datasources.yaml");
    std::fs::write(
        &ds,
        format!(
            "apiVersion: 1\ndatasources:\n  - name: Ticks\n    type: websocket\n    uid: ticks\n    url: ws://127.0.0.1:{feed_port}\n    jsonData:\n      subscribeMessage: '{{\"op\":\"subscribe\"}}'\n"
        ),
    )
    .unwrap();
    let dashboards = dir.join("dashboards");
    std::fs::create_dir_all(&dashboards).unwrap();
    std::fs::write(
        dashboards.join("ticks.json"),
        json!({"uid": "ticks", "title": "Ticks", "panels": [
            {"id": 1, "type": "timeseries", "datasource": {"type": "websocket", "uid": "ticks"},
             "targets": [{"refId": "A", "path": "/v1/ticks", "field": "price", "labels": {"symbol": "sym"}}]}
        ]})
        .to_string(),
    )
    .unwrap();
    TestServer::builder()
        .dashboards(&dashboards)
        .env("PULSEGRID_DATASOURCES", ds.to_str().unwrap())
        .start()
}

async fn subscribe(server: &TestServer) -> Socket {
    let url = format!("{}/api/live/ws", server.url.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let op = json!({"op": "subscribe", "sub": "t", "dashboard": "ticks", "panel": 1, "from": "now-5m", "to": "now"});
    ws.send(Message::text(op.to_string())).await.unwrap();
    ws
}

async fn frame_where(
    ws: &mut Socket,
    timeout: Duration,
    pred: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .ok()??
            .ok()?;
        if let Message::Text(text) = msg {
            let frame: Value = serde_json::from_str(&text).expect("json frame");
            if pred(&frame) {
                return Some(frame);
            }
        }
    }
}

fn has_value(frame: &Value, v: f64) -> bool {
    frame["op"] == "frame"
        && frame["series"].as_array().into_iter().flatten().any(|s| {
            s["v"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|x| x.as_f64() == Some(v))
        })
}

/// Sends `tick` every 300 ms until the browser sees `value` (the upstream connection may
/// not be up yet); returns that frame.
async fn send_until(feed: &Feed, ws: &mut Socket, tick: Value, value: f64) -> Value {
    for _ in 0..60 {
        feed.send(tick.clone());
        if let Some(f) = frame_where(ws, Duration::from_millis(300), |f| has_value(f, value)).await
        {
            return f;
        }
    }
    panic!("{value} never reached the WebSocket");
}

/// A tick from the feed reaches the panel's subscriber, labelled from the payload.
#[tokio::test]
async fn feed_ticks_reach_websocket_subscribers() {
    let feed = Feed::start(0).await;
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(feed.port, dir.path());
    let mut ws = subscribe(&server).await;
    let frame = send_until(
        &feed,
        &mut ws,
        json!({"sym": "ACME", "price": 101.5}),
        101.5,
    )
    .await;
    assert_eq!(
        frame["series"][0]["labels"],
        json!({"symbol": "ACME"}),
        "{frame}"
    );
}

/// The feed server goes away under a live subscription: `down`; it comes back on the same
/// port: `up`, and new ticks arrive.
#[tokio::test]
async fn feed_restart_is_down_then_up() {
    let feed = Feed::start(0).await;
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(feed.port, dir.path());
    let mut ws = subscribe(&server).await;
    send_until(&feed, &mut ws, json!({"sym": "A", "price": 1}), 1.0).await;
    let port = feed.kill();
    let down = frame_where(&mut ws, Duration::from_secs(15), |f| f["op"] == "status")
        .await
        .expect("a status frame");
    assert_eq!(down["source"], "down", "{down}");
    let feed = Feed::start(port).await;
    let up = frame_where(&mut ws, Duration::from_secs(20), |f| f["op"] == "status")
        .await
        .expect("a status frame");
    assert_eq!(up["source"], "up", "{up}");
    send_until(&feed, &mut ws, json!({"sym": "A", "price": 2}), 2.0).await;
}
