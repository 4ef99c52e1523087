//! A dashboard panel on a real Mosquitto: values published with `mosquitto_pub` reach the
//! WebSocket subscribers (two browsers, one upstream SUBSCRIBE), and a broker restart shows
//! as `down` then `up` with values flowing again.

mod common;

use std::time::{Duration, Instant};

use common::TestServer;
use futures_util::{SinkExt, StreamExt};
use pulsegrid_testkit::Mosquitto;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A server provisioned with an MQTT datasource on `broker` and a dashboard `plant` whose
/// panel 1 watches `plant/+boiler/temp` (field `temp`).
fn start_server(broker: &Mosquitto, dir: &std::path::Path) -> TestServer {
    let ds = dir.join("datasources.yaml");
    std::fs::write(
        &ds,
        format!(
            "apiVersion: 1\ndatasources:\n  - name: Plant MQTT\n    type: mqtt\n    uid: plant-mqtt\n    url: {}\n    jsonData:\n      protocolVersion: 5\n      clientId: pg-server-test\n",
            broker.url()
        ),
    )
    .unwrap();
    let dashboards = dir.join("dashboards");
    std::fs::create_dir_all(&dashboards).unwrap();
    std::fs::write(
        dashboards.join("plant.json"),
        json!({"uid": "plant", "title": "Plant", "panels": [
            {"id": 1, "type": "timeseries", "datasource": {"type": "mqtt", "uid": "plant-mqtt"},
             "targets": [{"refId": "A", "topic": "plant/+boiler/temp", "field": "temp"}]}
        ]})
        .to_string(),
    )
    .unwrap();
    TestServer::builder()
        .dashboards(&dashboards)
        .env("PULSEGRID_DATASOURCES", ds.to_str().unwrap())
        .start()
}

async fn subscribe(server: &TestServer, sub: &str) -> Socket {
    let url = format!("{}/api/live/ws", server.url.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let op = json!({"op": "subscribe", "sub": sub, "dashboard": "plant", "panel": 1, "from": "now-5m", "to": "now"});
    ws.send(Message::text(op.to_string())).await.unwrap();
    ws
}

/// The next frame matching `pred` within `timeout`, or None.
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

/// Publishes with `mosquitto_pub` until `ws` sees `value` (the upstream SUBSCRIBE may still
/// be on its way when the first message is sent); returns that frame.
async fn publish_until(
    broker: &Mosquitto,
    ws: &mut Socket,
    topic: &str,
    payload: &str,
    value: f64,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        broker.publish(topic, payload).expect("mosquitto_pub");
        if let Some(frame) =
            frame_where(ws, Duration::from_millis(500), |f| has_value(f, value)).await
        {
            return frame;
        }
        assert!(
            Instant::now() < deadline,
            "{value} never reached the WebSocket"
        );
    }
}

/// Two browsers on one MQTT panel both get a value published by `mosquitto_pub`, labelled
/// from the topic, and the broker saw a single SUBSCRIBE for the topic filter.
#[tokio::test]
async fn published_values_reach_websocket_subscribers() {
    let broker = Mosquitto::start().expect("start mosquitto");
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&broker, dir.path());
    let mut first = subscribe(&server, "a").await;
    let mut second = subscribe(&server, "b").await;
    let frame = publish_until(
        &broker,
        &mut first,
        "plant/b7/temp",
        r#"{"temp": 81.25}"#,
        81.25,
    )
    .await;
    assert_eq!(
        frame["series"][0]["labels"],
        json!({"boiler": "b7"}),
        "{frame}"
    );
    frame_where(&mut second, Duration::from_secs(10), |f| {
        has_value(f, 81.25)
    })
    .await
    .expect("the second browser gets the value too");
    let subscribes = broker
        .log()
        .lines()
        .filter(|l| l.contains("pg-server-test ") && l.ends_with(" plant/+/temp"))
        .count();
    assert_eq!(subscribes, 1, "{}", broker.log());
}

/// The broker is killed under a live subscription: `status` `down`; restarted on the same
/// port: `status` `up`, and a newly published value arrives.
#[tokio::test]
async fn broker_restart_is_down_then_up() {
    let mut broker = Mosquitto::start().expect("start mosquitto");
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&broker, dir.path());
    let mut ws = subscribe(&server, "a").await;
    publish_until(&broker, &mut ws, "plant/b1/temp", r#"{"temp": 1}"#, 1.0).await;
    broker.stop();
    let down = frame_where(&mut ws, Duration::from_secs(15), |f| f["op"] == "status")
        .await
        .expect("a status frame");
    assert_eq!(down["source"], "down", "{down}");
    broker.restart().expect("restart mosquitto");
    let up = frame_where(&mut ws, Duration::from_secs(20), |f| f["op"] == "status")
        .await
        .expect("a status frame");
    assert_eq!(up["source"], "up", "{up}");
    publish_until(&broker, &mut ws, "plant/b1/temp", r#"{"temp": 2}"#, 2.0).await;
}
