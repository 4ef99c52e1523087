//! A dashboard panel on a real NATS server: values published with an independent client
//! (nats-py) reach a WebSocket subscriber, core and JetStream; the server going away under a
//! live panel is a `status` down, and its return on the same port a `status` up.

mod common;

use std::process::Command;

use common::TestServer;
use common::live::{frame_where, plant_server, subscribe, values};

use pulsegrid_testkit::NatsServer;
use serde_json::{Value, json};

/// Runs a nats-py snippet against `url` (`nc` is the connection, `js` its JetStream).
fn nats_py(url: &str, body: &str) {
    let script = format!(
        "import asyncio, nats\nasync def main():\n    nc = await nats.connect({url:?}, connect_timeout=2, max_reconnect_attempts=0)\n    js = nc.jetstream()\n{}\n    await nc.flush()\n    await nc.close()\nasyncio.run(main())\n",
        body.lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("python3 (with nats-py: pip install nats-py)");
    assert!(
        out.status.success(),
        "nats-py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn publish(url: &str, subject: &str, payload: &str) {
    nats_py(
        url,
        &format!("await nc.publish({subject:?}, {payload:?}.encode())"),
    );
}

/// A pulsegrid server with a NATS datasource and a dashboard with `targets` as panels 1, 2...
fn pulsegrid(nats: &NatsServer, targets: &[Value]) -> (TestServer, tempfile::TempDir) {
    let settings = format!("    url: {}\n", nats.url());
    plant_server("nats", &settings, targets)
}

/// Values published with nats-py on a core subject (labelled from the subject) and into a
/// JetStream stream reach the panels' WebSocket subscribers.
#[tokio::test]
async fn published_values_reach_the_panel() {
    let nats = NatsServer::start().expect("nats-server");
    let url = nats.url();
    nats_py(
        &url,
        "await js.add_stream(name='PLANT', subjects=['history.>'])\nawait js.publish('history.north', b'{\"v\": 11.5}')",
    );
    let (server, _dir) = pulsegrid(
        &nats,
        &[
            json!({"subject": "plant.*line.speed", "field": "v"}),
            json!({"stream": "PLANT", "subject": "history.*site", "field": "v", "deliverPolicy": "all"}),
        ],
    );
    let mut core = subscribe(&server, 1).await;
    let frame = frame_where(
        &mut core,
        20,
        || publish(&url, "plant.l7.speed", r#"{"v": 42.25}"#),
        |f| f["op"] == "frame" && values(f).contains(&42.25),
    )
    .await;
    assert_eq!(frame["series"][0]["labels"], json!({"line": "l7"}));

    let mut history = subscribe(&server, 2).await;
    let frame = frame_where(
        &mut history,
        20,
        || {},
        |f| f["op"] == "frame" && values(f).contains(&11.5),
    )
    .await;
    assert_eq!(frame["series"][0]["labels"], json!({"site": "north"}));
}

/// NATS stops under a live panel: a `status` down frame; it restarts on the same port: a
/// `status` up frame, and a newly published value arrives.
#[tokio::test]
async fn broker_restart_is_reported_and_recovered() {
    let mut nats = NatsServer::start().expect("nats-server");
    let url = nats.url();
    let (server, _dir) = pulsegrid(&nats, &[json!({"subject": "plant.pressure"})]);
    let mut ws = subscribe(&server, 1).await;
    frame_where(
        &mut ws,
        20,
        || publish(&url, "plant.pressure", "7.5"),
        |f| f["op"] == "frame" && values(f).contains(&7.5),
    )
    .await;
    nats.stop();
    let down = frame_where(&mut ws, 20, || {}, |f| f["op"] == "status").await;
    assert_eq!(down["source"], "down", "{down}");
    nats.restart().expect("restart nats-server");
    let up = frame_where(&mut ws, 20, || {}, |f| f["op"] == "status").await;
    assert_eq!(up["source"], "up", "{up}");
    frame_where(
        &mut ws,
        20,
        || publish(&url, "plant.pressure", "8.75"),
        |f| f["op"] == "frame" && values(f).contains(&8.75),
    )
    .await;
}
