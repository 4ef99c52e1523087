//! A dashboard panel on a real RabbitMQ node: values published with an independent client
//! (pika) reach a WebSocket subscriber, from an exchange with labels from the routing key and
//! from a queue; the broker stopping under a live panel is a `status` down, and its return on
//! the same port a `status` up.

mod common;

use std::process::Command;

use common::TestServer;
use common::live::{frame_where, plant_server, subscribe, values};

use pulsegrid_testkit::RabbitMq;
use serde_json::{Value, json};

/// A pulsegrid server with a RabbitMQ datasource and a dashboard with `targets` as panels 1, 2...
fn pulsegrid(rabbit: &RabbitMq, targets: &[Value]) -> (TestServer, tempfile::TempDir) {
    let settings = format!(
        "    url: {}\n    user: guest\n    secureJsonData:\n      password: guest\n",
        rabbit.url()
    );
    plant_server("amqp", &settings, targets)
}

/// Publishes with pika (Python): to `exchange` (declared as a topic exchange) with routing
/// key `key`, or to queue `key` (declared) through the default exchange when `exchange` is "".
fn pika_publish(rabbit: &RabbitMq, exchange: &str, key: &str, body: &str) {
    const SCRIPT: &str = r#"
import sys, pika
port, exchange, key, body = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
ch = conn.channel()
if exchange:
    ch.exchange_declare(exchange, "topic")
else:
    ch.queue_declare(key)
ch.basic_publish(exchange, key, body.encode())
conn.close()
"#;
    let out = Command::new("python3")
        .args([
            "-c",
            SCRIPT,
            &rabbit.port().to_string(),
            exchange,
            key,
            body,
        ])
        .output()
        .expect("python3 (pika: pip install pika; scripts/test.sh does)");
    // The broker may be down while a test waits for it; the caller retries.
    if !out.status.success() {
        eprintln!(
            "pika publish failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Values published with pika to a topic exchange (labelled from the routing key) and to a
/// queue reach the panels' subscribers.
#[tokio::test]
async fn published_values_reach_the_panel() {
    let rabbit = RabbitMq::start().expect("rabbitmq-server");
    let (server, _dir) = pulsegrid(
        &rabbit,
        &[
            json!({"exchange": "plant", "routingKey": "line.*line.speed", "field": "v"}),
            json!({"queue": "plant-readings", "alias": "reading"}),
        ],
    );
    let mut exchange = subscribe(&server, 1).await;
    let frame = frame_where(
        &mut exchange,
        30,
        || pika_publish(&rabbit, "plant", "line.l7.speed", r#"{"v": 42.25}"#),
        |f| f["op"] == "frame" && values(f).contains(&42.25),
    )
    .await;
    assert_eq!(frame["series"][0]["labels"], json!({"line": "l7"}));
    assert_eq!(frame["series"][0]["name"], "plant");

    let mut queue = subscribe(&server, 2).await;
    let frame = frame_where(
        &mut queue,
        30,
        || pika_publish(&rabbit, "", "plant-readings", "11.5"),
        |f| f["op"] == "frame" && values(f).contains(&11.5),
    )
    .await;
    assert_eq!(frame["series"][0]["name"], "reading");
}

/// RabbitMQ stops under a live panel: a `status` down frame; it restarts on the same port: a
/// `status` up frame, and a newly published value arrives.
#[tokio::test]
async fn broker_restart_is_reported_and_recovered() {
    let mut rabbit = RabbitMq::start().expect("rabbitmq-server");
    let (server, _dir) = pulsegrid(
        &rabbit,
        &[json!({"exchange": "plant", "routingKey": "pressure"})],
    );
    let mut ws = subscribe(&server, 1).await;
    frame_where(
        &mut ws,
        30,
        || pika_publish(&rabbit, "plant", "pressure", "7.5"),
        |f| f["op"] == "frame" && values(f).contains(&7.5),
    )
    .await;
    rabbit.stop();
    let down = frame_where(&mut ws, 30, || {}, |f| f["op"] == "status").await;
    assert_eq!(down["source"], "down", "{down}");
    rabbit.restart().expect("restart rabbitmq-server");
    let up = frame_where(
        &mut ws,
        60,
        || {},
        |f| f["op"] == "status" && f["source"] == "up",
    )
    .await;
    assert_eq!(up["source"], "up", "{up}");
    frame_where(
        &mut ws,
        30,
        || pika_publish(&rabbit, "plant", "pressure", "8.75"),
        |f| f["op"] == "frame" && values(f).contains(&8.75),
    )
    .await;
}
