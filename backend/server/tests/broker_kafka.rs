//! A dashboard panel on a real Kafka-compatible broker (tansu): records published with an
//! independent client (kafka-python) reach a WebSocket subscriber, labelled with their key
//! and topic; the broker going away under a live panel is a `status` down, and its return on
//! the same port a `status` up.

mod common;

use std::process::Command;

use common::TestServer;
use common::live::{frame_where, plant_server, subscribe, values};

use pulsegrid_testkit::Tansu;
use serde_json::{Value, json};

/// Publishes `(topic, key, value)` records with kafka-python, an independent client; the
/// error is kafka-python's output.
fn kafka_python(bootstrap: &str, records: &[(&str, Option<&str>, &str)]) -> Result<(), String> {
    let sends: String = records
        .iter()
        .map(|(topic, key, value)| {
            let key = key.map_or("None".to_owned(), |k| format!("{k:?}.encode()"));
            format!("p.send({topic:?}, key={key}, value={value:?}.encode()).get(timeout=5)\n")
        })
        .collect();
    let script = format!(
        "from kafka import KafkaProducer\n\
         p = KafkaProducer(bootstrap_servers={bootstrap:?}, max_block_ms=3000, request_timeout_ms=3000)\n\
         {sends}p.flush()\np.close()\n"
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("python3 (with kafka-python: pip install kafka-python)");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn publish(bootstrap: &str, records: &[(&str, Option<&str>, &str)]) {
    if let Err(e) = kafka_python(bootstrap, records) {
        panic!("kafka-python failed: {e}");
    }
}

/// Like [`publish`], but the broker may be away (while it restarts).
fn try_publish(bootstrap: &str, topic: &str, value: &str) {
    let _ = kafka_python(bootstrap, &[(topic, None, value)]);
}

/// A pulsegrid server with a Kafka datasource and a dashboard with `targets` as panels 1, 2...
fn pulsegrid(tansu: &Tansu, targets: &[Value]) -> (TestServer, tempfile::TempDir) {
    let settings = format!(
        "    jsonData:\n      bootstrapServers: {}\n      requestTimeout: 1s\n",
        tansu.bootstrap()
    );
    plant_server("kafka", &settings, targets)
}

/// Records published with kafka-python on two topics reach the panel's WebSocket
/// subscriber, labelled with the record key and the topic.
#[tokio::test]
async fn published_values_reach_the_panel() {
    let tansu = Tansu::start().expect("tansu");
    tansu.create_topic("line-speed", 2).unwrap();
    tansu.create_topic("line-temp", 1).unwrap();
    let bootstrap = tansu.bootstrap();
    let (server, _dir) = pulsegrid(
        &tansu,
        &[json!({"topic": "line-speed,line-temp", "field": "v", "labelFromKey": "line"})],
    );
    let mut ws = subscribe(&server, 1).await;
    let frame = frame_where(
        &mut ws,
        20,
        || publish(&bootstrap, &[("line-speed", Some("l7"), r#"{"v": 42.25}"#)]),
        |f| f["op"] == "frame" && values(f).contains(&42.25),
    )
    .await;
    assert_eq!(
        frame["series"][0]["labels"],
        json!({"line": "l7", "topic": "line-speed"})
    );
    let frame = frame_where(
        &mut ws,
        20,
        || publish(&bootstrap, &[("line-temp", Some("l8"), r#"{"v": 61.5}"#)]),
        |f| f["op"] == "frame" && values(f).contains(&61.5),
    )
    .await;
    assert_eq!(
        frame["series"][0]["labels"],
        json!({"line": "l8", "topic": "line-temp"})
    );
}

/// tansu is killed under a live panel: a `status` down frame; it restarts on the same port
/// (empty: the topic is created again): a `status` up frame, and a newly published value
/// arrives.
#[tokio::test]
async fn broker_restart_is_reported_and_recovered() {
    let mut tansu = Tansu::start().expect("tansu");
    tansu.create_topic("pressure", 1).unwrap();
    let bootstrap = tansu.bootstrap();
    let (server, _dir) = pulsegrid(&tansu, &[json!({"topic": "pressure"})]);
    let mut ws = subscribe(&server, 1).await;
    frame_where(
        &mut ws,
        20,
        || try_publish(&bootstrap, "pressure", "7.5"),
        |f| f["op"] == "frame" && values(f).contains(&7.5),
    )
    .await;
    tansu.stop();
    let down = frame_where(&mut ws, 20, || {}, |f| f["op"] == "status").await;
    assert_eq!(down["source"], "down", "{down}");
    tansu.restart().expect("restart tansu");
    tansu.create_topic("pressure", 1).expect("topic again");
    let up = frame_where(&mut ws, 20, || {}, |f| f["op"] == "status").await;
    assert_eq!(up["source"], "up", "{up}");
    frame_where(
        &mut ws,
        20,
        || try_publish(&bootstrap, "pressure", "8.75"),
        |f| f["op"] == "frame" && values(f).contains(&8.75),
    )
    .await;
}
