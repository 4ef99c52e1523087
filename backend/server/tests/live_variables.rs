//! The live WebSocket's panel variables, "compare with" shifts and inline subscriptions over
//! real sockets: different variable values get different series, a shifted window carries
//! the old timestamps, and a panel editor's unsaved targets stream like a saved panel.

mod common;

use std::time::Duration;

use common::{TestServer, client, token};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const DAY_MS: i64 = 86_400_000;

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

/// Waits up to `secs` for a JSON frame matching `pred`.
async fn frame_where(socket: &mut Socket, secs: u64, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let msg = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("timed out waiting for a matching frame")
            .expect("socket closed")
            .expect("socket error");
        if let Message::Text(text) = msg {
            let frame: Value = serde_json::from_str(&text).expect("json frame");
            if pred(&frame) {
                return frame;
            }
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn labels_of(frame: &Value, label: &str) -> Vec<String> {
    let mut out: Vec<String> = frame["series"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["labels"][label].as_str().map(str::to_owned))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn times(frame: &Value) -> Vec<i64> {
    frame["series"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["t"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t.as_i64())
        .collect()
}

fn dashboards(json: Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let uid = json["uid"].as_str().unwrap().to_owned();
    std::fs::write(dir.path().join(format!("{uid}.json")), json.to_string()).unwrap();
    dir
}

/// Two subscriptions to one panel with different `vars` get different series; a multi-value
/// pick gets both sites (Grafana's regex `(north|south)` for PromQL-style selectors).
#[tokio::test]
async fn variables_select_different_series() {
    let dir = dashboards(json!({"uid": "plant", "title": "Plant",
        "templating": {"list": [{"name": "site", "type": "custom", "query": "north,south",
                                 "multi": true, "current": {"value": "north"}}]},
        "panels": [{"id": 1, "type": "timeseries", "datasource": {"uid": "pulsegrid"},
                    "targets": [{"refId": "A", "expr": "line_pressure{site=~\"$site\"}"}]}]}));
    let server = TestServer::builder().dashboards(dir.path()).start();
    let editor = token(&server, "editor").await;
    // A little in the past: the live window ends at now rounded down to its step.
    let t = (now_ms() - 5_000) * 1_000_000;
    let resp = client()
        .post(server.at("/write?db=plant"))
        .bearer_auth(&editor)
        .body(format!(
            "line_pressure,site=north value=7 {t}\nline_pressure,site=south value=3 {t}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);

    let mut ws = connect(&server).await;
    let panel = |sub: &str, vars: Value| {
        json!({"op": "subscribe", "sub": sub, "dashboard": "plant", "panel": 1,
               "from": "now-5m", "to": "now", "vars": vars})
    };
    send(&mut ws, panel("n", json!({"site": "north"}))).await;
    send(&mut ws, panel("s", json!({"site": ["south"]}))).await;
    send(&mut ws, panel("both", json!({"site": ["north", "south"]}))).await;
    send(&mut ws, panel("saved", json!({}))).await;
    let mut seen = std::collections::HashMap::new();
    while seen.len() < 4 {
        let frame = frame_where(&mut ws, 10, |f| f["op"] == "frame" || f["op"] == "error").await;
        assert_eq!(frame["op"], "frame", "{frame}");
        seen.insert(
            frame["sub"].as_str().unwrap().to_owned(),
            labels_of(&frame, "site"),
        );
    }
    assert_eq!(seen["n"], ["north"]);
    assert_eq!(seen["s"], ["south"]);
    assert_eq!(seen["both"], ["north", "south"]);
    assert_eq!(seen["saved"], ["north"], "the dashboard's saved value");

    send(&mut ws, panel("bad", json!({"site": {"x": 1}}))).await;
    let err = frame_where(&mut ws, 10, |f| f["op"] == "error").await;
    assert_eq!(err["sub"], "bad");
    assert!(
        err["message"].as_str().unwrap().contains("vars.site"),
        "{err}"
    );
}

/// `shift: "1d"` moves the window a day back: the frames carry the old timestamps, and a
/// panel's own `timeShift` adds to it.
#[tokio::test]
async fn shifted_subscription_carries_old_timestamps() {
    let dir = dashboards(json!({"uid": "cmp", "title": "Compare", "panels": [
        {"id": 1, "type": "timeseries", "datasource": {"uid": "testdata"},
         "targets": [{"refId": "A", "scenarioId": "random_walk"}]},
        {"id": 2, "type": "timeseries", "datasource": {"uid": "testdata"}, "timeShift": "1d",
         "targets": [{"refId": "A", "scenarioId": "random_walk"}]}]}));
    let server = TestServer::builder().dashboards(dir.path()).start();
    let mut ws = connect(&server).await;
    let op = |sub: &str, panel: i64, shift: Option<&str>| {
        let mut op = json!({"op": "subscribe", "sub": sub, "dashboard": "cmp", "panel": panel,
                            "from": "now-5m", "to": "now", "maxDataPoints": 100});
        if let Some(shift) = shift {
            op["shift"] = json!(shift);
        }
        op
    };
    for (sub, panel, shift, days) in [
        ("now", 1, None, 0),
        ("day", 1, Some("1d"), 1),
        ("two", 2, Some("1d"), 2),
    ] {
        send(&mut ws, op(sub, panel, shift)).await;
        let frame = frame_where(&mut ws, 10, |f| {
            f["sub"] == sub && (f["op"] == "error" || !times(f).is_empty())
        })
        .await;
        assert_eq!(frame["op"], "frame", "{frame}");
        assert_eq!(frame["replace"], true);
        let now = now_ms();
        let (lo, hi) = (
            now - days * DAY_MS - 6 * 60_000,
            now - days * DAY_MS + 60_000,
        );
        let t = times(&frame);
        assert!(
            t.iter().all(|t| (lo..=hi).contains(t)),
            "{sub}: every timestamp {days} day(s) back: {t:?} not in {lo}..{hi}"
        );
    }
}

/// An inline subscription (no dashboard) streams its own targets, with variables and width,
/// through the same hub as panels; bad input gets an error frame naming the field.
#[tokio::test]
async fn inline_subscription_streams_unsaved_targets() {
    let server = TestServer::start();
    let mut ws = connect(&server).await;
    send(
        &mut ws,
        json!({"op": "subscribe", "sub": "edit", "datasource": {"uid": "testdata"},
        "targets": [{"refId": "A", "scenarioId": "random_walk", "alias": "${x:csv}"},
                    {"refId": "B", "scenarioId": "random_walk", "alias": "$x"}],
        "from": "now-5m", "to": "now", "maxDataPoints": 50, "vars": {"x": ["a", "b"]}}),
    )
    .await;
    // Each query is its own topic; their windows may arrive in separate frames.
    let mut names = std::collections::BTreeSet::new();
    while names.len() < 2 {
        let frame = frame_where(&mut ws, 10, |f| f["sub"] == "edit" && !times(f).is_empty()).await;
        assert_eq!(frame["op"], "frame");
        for s in frame["series"].as_array().unwrap() {
            names.insert(s["name"].as_str().unwrap().to_owned());
            assert!(
                s["t"].as_array().unwrap().len() <= 51,
                "maxDataPoints bounds the points: {s}"
            );
        }
    }
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["a,b", "{a,b}"]);
    let next = frame_where(&mut ws, 10, |f| f["sub"] == "edit" && f["replace"] == false).await;
    assert!(!times(&next).is_empty(), "live appends follow: {next}");

    for (op, field) in [
        (
            json!({"op": "subscribe", "sub": "e1", "targets": []}),
            "\"targets\"",
        ),
        (
            json!({"op": "subscribe", "sub": "e2", "targets": [{"refId": "A"}], "datasource": {"uid": "nope"}}),
            "datasource: unknown datasource",
        ),
        (
            json!({"op": "subscribe", "sub": "e3", "targets": [{}], "maxDataPoints": -1}),
            "\"maxDataPoints\"",
        ),
        (
            json!({"op": "subscribe", "sub": "e4", "targets": [{}], "shift": "soon"}),
            "\"shift\"",
        ),
    ] {
        let sub = op["sub"].clone();
        send(&mut ws, op).await;
        let err = frame_where(&mut ws, 10, |f| f["op"] == "error" && f["sub"] == sub).await;
        let message = err["message"].as_str().unwrap();
        assert!(message.contains(field), "{sub}: {message}");
    }
}
