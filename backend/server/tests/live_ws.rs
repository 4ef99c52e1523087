//! The live WebSocket over real sockets: stream and panel subscriptions, pushed points reaching
//! a panel, errors as frames, and a stalled client that never slows a healthy one.

mod common;

use std::time::Duration;

use common::{TestServer, client, token};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &TestServer) -> Socket {
    let url = format!("{}/api/live/ws", server.url.replace("http://", "ws://"));
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    socket
}

async fn send(socket: &mut Socket, op: Value) {
    socket.send(Message::text(op.to_string())).await.unwrap();
}

/// The next JSON frame, skipping pings; panics after `secs`.
async fn next_frame(socket: &mut Socket, secs: u64) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let msg = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("timed out waiting for a frame")
            .expect("socket closed")
            .expect("socket error");
        if let Message::Text(text) = msg {
            return serde_json::from_str(&text).expect("json frame");
        }
    }
}

/// Waits for a frame matching `pred`.
async fn frame_where(socket: &mut Socket, secs: u64, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let left = deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .as_secs()
            .max(1);
        let frame = next_frame(socket, left).await;
        if pred(&frame) {
            return frame;
        }
    }
}

fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i128
}

async fn write(server: &TestServer, token: &str, db: &str, body: String) {
    let resp = client()
        .post(server.at(&format!("/write?db={db}")))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}

fn values(frame: &Value) -> Vec<f64> {
    frame["series"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["v"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_f64())
        .collect()
}

/// A stream subscription gets the stream's history first, then each new point.
#[tokio::test]
async fn stream_subscription_gets_history_then_appends() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    write(
        &server,
        &editor,
        "plant",
        format!("line_pressure,site=north value=7.25 {}", now_ns()),
    )
    .await;
    let mut ws = connect(&server).await;
    send(
        &mut ws,
        json!({"op": "subscribe", "sub": "s1", "stream": "plant"}),
    )
    .await;
    let first = frame_where(&mut ws, 10, |f| f["op"] == "frame").await;
    assert_eq!(first["sub"], "s1");
    assert_eq!(first["replace"], true);
    assert_eq!(values(&first), [7.25]);

    write(
        &server,
        &editor,
        "plant",
        format!("line_pressure,site=north value=8.5 {}", now_ns()),
    )
    .await;
    let next = frame_where(&mut ws, 10, |f| f["op"] == "frame" && f["replace"] == false).await;
    assert_eq!(values(&next), [8.5]);
    assert_eq!(next["series"][0]["labels"], json!({"site": "north"}));
}

/// A panel on the `pulsegrid` source sees a value written to /write without reload.
#[tokio::test]
async fn panel_on_pulsegrid_source_sees_written_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plant.json"),
        json!({"uid": "plant", "title": "Plant", "panels": [
            {"id": 7, "type": "stat", "datasource": {"uid": "pulsegrid"},
             "targets": [{"refId": "A", "expr": "line_pressure{site=\"north\"}"}]}
        ]})
        .to_string(),
    )
    .unwrap();
    let server = TestServer::builder().dashboards(dir.path()).start();
    let editor = token(&server, "editor").await;
    let mut ws = connect(&server).await;
    send(&mut ws, json!({"op": "subscribe", "sub": "p7", "dashboard": "plant", "panel": 7, "from": "now-5m", "to": "now"})).await;
    let first = frame_where(&mut ws, 10, |f| f["op"] == "frame").await;
    assert_eq!(first["replace"], true);
    write(
        &server,
        &editor,
        "plant",
        format!(
            "line_pressure,site=north value=9.75 {t}\nline_pressure,site=south value=1 {t}",
            t = now_ns()
        ),
    )
    .await;
    let update = frame_where(&mut ws, 10, |f| f["op"] == "frame" && !values(f).is_empty()).await;
    assert_eq!(
        values(&update),
        [9.75],
        "only the selected series: {update}"
    );
}

/// The default dashboard is live on a fresh start: its testdata panel streams points.
#[tokio::test]
async fn default_dashboard_is_live() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dashboards");
    let server = TestServer::builder().dashboards(&dir).start();
    let mut ws = connect(&server).await;
    send(&mut ws, json!({"op": "subscribe", "sub": "rw", "dashboard": "pulsegrid-overview", "panel": 1, "from": "now-5m", "to": "now"})).await;
    let first = frame_where(&mut ws, 10, |f| f["op"] == "frame").await;
    assert_eq!(first["replace"], true);
    assert!(
        !values(&first).is_empty(),
        "the window has history: {first}"
    );
    let next = frame_where(&mut ws, 10, |f| f["op"] == "frame" && f["replace"] == false).await;
    assert!(!values(&next).is_empty());
}

/// Unknown dashboards and malformed messages get error frames; the socket stays usable.
#[tokio::test]
async fn errors_are_frames() {
    let server = TestServer::start();
    let mut ws = connect(&server).await;
    send(
        &mut ws,
        json!({"op": "subscribe", "sub": "x", "dashboard": "nope", "panel": 1}),
    )
    .await;
    let err = frame_where(&mut ws, 10, |f| f["op"] == "error").await;
    assert_eq!(err["sub"], "x");
    assert!(err["message"].as_str().unwrap().contains("nope"), "{err}");
    ws.send(Message::text("{not json")).await.unwrap();
    let err = frame_where(&mut ws, 10, |f| f["op"] == "error").await;
    assert!(!err["message"].as_str().unwrap().is_empty());
    send(
        &mut ws,
        json!({"op": "subscribe", "sub": "s", "stream": "ok"}),
    )
    .await;
    let frame = frame_where(&mut ws, 10, |f| f["op"] == "frame").await;
    assert_eq!(frame["sub"], "s");
}

/// A client that stops reading never delays a healthy one, and the server's memory stays
/// bounded while a lot of data is pushed past the stalled client.
#[tokio::test]
async fn stalled_client_does_not_hurt_a_healthy_one() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    let mut healthy = connect(&server).await;
    let mut stalled = connect(&server).await;
    for ws in [&mut healthy, &mut stalled] {
        send(
            ws,
            json!({"op": "subscribe", "sub": "s", "stream": "flood"}),
        )
        .await;
    }
    frame_where(&mut healthy, 10, |f| f["op"] == "frame").await;
    let rss_before = server.rss_kib();
    // ~20 MB of points through the stream; the stalled client reads none of it.
    let payload: String = (0..2_000)
        .map(|i| format!("flood,i={} value={i}.5 \n", i % 100))
        .collect();
    for round in 0..100 {
        write(&server, &editor, "flood", payload.clone()).await;
        if round % 10 == 0 {
            let f = frame_where(&mut healthy, 10, |f| f["op"] == "frame").await;
            assert_eq!(f["sub"], "s");
        }
    }
    // The healthy client still gets fresh points now.
    write(
        &server,
        &editor,
        "flood",
        format!("flood,i=marker value=424242 {}", now_ns()),
    )
    .await;
    frame_where(&mut healthy, 10, |f| values(f).contains(&424242.0)).await;
    let grown = server.rss_kib().saturating_sub(rss_before);
    assert!(
        grown < 150 * 1024,
        "server RSS grew by {grown} KiB with a stalled client"
    );
    drop(stalled);
}

/// The service's own metrics reach the default dashboard's stat panel as they change.
#[tokio::test]
async fn own_metrics_reach_the_default_dashboard() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dashboards");
    let server = TestServer::builder()
        .dashboards(&dir)
        .env("PULSEGRID_OWN_METRICS_INTERVAL", "200ms")
        .start();
    let mut ws = connect(&server).await;
    // Panel 4 shows open WebSockets: this very socket makes it at least 1.
    send(&mut ws, json!({"op": "subscribe", "sub": "ws", "dashboard": "pulsegrid-overview", "panel": 4, "from": "now-5m", "to": "now"})).await;
    let frame = frame_where(&mut ws, 10, |f| {
        f["op"] == "frame" && values(f).iter().any(|v| *v >= 1.0)
    })
    .await;
    assert_eq!(
        frame["series"][0]["name"],
        "pulsegrid_websocket_connections"
    );
}
