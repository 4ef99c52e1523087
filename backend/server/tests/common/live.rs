//! WebSocket helpers for tests of dashboard panels over the live protocol.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::TestServer;

/// A client WebSocket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket subscribed to panel `panel` of dashboard `plant` (as `sub` `p<panel>`).
pub async fn subscribe(server: &TestServer, panel: u32) -> Socket {
    let url = format!("{}/api/live/ws", server.url.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let op = json!({"op": "subscribe", "sub": format!("p{panel}"), "dashboard": "plant",
                    "panel": panel, "from": "now-5m", "to": "now"});
    socket.send(Message::text(op.to_string())).await.unwrap();
    socket
}

/// Waits up to `secs` for a frame matching `pred`, calling `poke` (a publish) every 300 ms.
pub async fn frame_where(
    socket: &mut Socket,
    secs: u64,
    mut poke: impl FnMut(),
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        poke();
        let tick = tokio::time::Instant::now() + Duration::from_millis(300);
        while let Ok(Some(msg)) = tokio::time::timeout_at(tick, socket.next()).await {
            if let Message::Text(text) = msg.expect("socket error") {
                let frame: Value = serde_json::from_str(&text).expect("json frame");
                if pred(&frame) {
                    return frame;
                }
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no matching frame within {secs}s"
        );
    }
}

/// Every value in a frame's series.
pub fn values(frame: &Value) -> Vec<f64> {
    frame["series"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["v"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_f64())
        .collect()
}

/// A pulsegrid server with one datasource of type `kind` (uid `plant-<kind>`; `settings` are
/// its further YAML lines, indented by four spaces) and a dashboard `plant` whose panels 1, 2...
/// each query one of `targets` on it. Keep the temp dir alive as long as the server.
pub fn plant_server(
    kind: &str,
    settings: &str,
    targets: &[Value],
) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("datasources.yaml");
    std::fs::write(
        &ds,
        format!(
            "apiVersion: 1\ndatasources:\n  - name: Plant {kind}\n    type: {kind}\n    uid: plant-{kind}\n{settings}"
        ),
    )
    .unwrap();
    let dashboards = dir.path().join("dashboards");
    std::fs::create_dir(&dashboards).unwrap();
    let panels: Vec<Value> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut target = t.clone();
            target["refId"] = json!("A");
            json!({"id": i + 1, "type": "timeseries",
                   "datasource": {"type": kind, "uid": format!("plant-{kind}")}, "targets": [target]})
        })
        .collect();
    std::fs::write(
        dashboards.join("plant.json"),
        json!({"uid": "plant", "title": "Plant", "panels": panels}).to_string(),
    )
    .unwrap();
    let server = TestServer::builder()
        .dashboards(&dashboards)
        .env("PULSEGRID_DATASOURCES", ds.to_str().unwrap())
        .start();
    (server, dir)
}
