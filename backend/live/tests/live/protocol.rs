//! The WebSocket protocol end to end: subscribe, frames, status, errors, unsubscribe.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use pulsegrid_live::StreamHistory;
use pulsegrid_model::{Series, TimeRange};
use serde_json::{Value, json};

use crate::fakes::{Panels, PollSource, now_ms, series};
use crate::harness::{Client, eventually, start, values};
use crate::{hub_with, test_config};

fn subscribe(sub: &str, panel: i64) -> Value {
    json!({"op": "subscribe", "sub": sub, "dashboard": "d", "panel": panel, "from": "now-5m", "to": "now"})
}

/// The first frame carries the window (`replace: true`), later ones only new points.
#[tokio::test]
async fn first_frame_is_the_window_then_appends() {
    let source = Arc::new(PollSource::gated("poll"));
    let hub = hub_with(vec![source.clone()], test_config());
    let panels = Panels::default().with("d", 1, "poll", &[json!({"refId": "A"})]);
    let server = start(hub, Arc::new(panels)).await;
    let mut client = Client::connect(server.addr).await;
    client.send(subscribe("p", 1)).await;
    source.release(1);
    let first = client.recv_op("frame", "p").await;
    assert_eq!(first["replace"], true);
    assert_eq!(first["series"][0]["name"], "counter");
    assert_eq!(values(&first), vec![1.0]);
    for k in 2..=3 {
        source.release(1);
        let next = client.recv_op("frame", "p").await;
        assert_eq!(next["replace"], false, "{next}");
        assert_eq!(
            values(&next),
            vec![f64::from(k)],
            "only the new point: {next}"
        );
    }
}

/// Twenty browsers on the same panel cause one upstream query per interval, not twenty.
#[tokio::test]
async fn twenty_clients_share_one_upstream_query() {
    let source = Arc::new(PollSource::gated("poll"));
    let hub = hub_with(vec![source.clone()], test_config());
    let panels = Panels::default().with("d", 1, "poll", &[json!({"refId": "A"})]);
    let server = start(hub, Arc::new(panels)).await;
    let mut clients = Vec::new();
    for _ in 0..20 {
        let mut client = Client::connect(server.addr).await;
        client.send(subscribe("p", 1)).await;
        clients.push(client);
    }
    eventually("20 subscribers", || server.hub.stats().subscribers == 20).await;
    for k in 1..=4 {
        source.release(1);
        for client in &mut clients {
            let frame = client.recv_op("frame", "p").await;
            assert_eq!(values(&frame).last(), Some(&f64::from(k)), "{frame}");
        }
    }
    // Four intervals, four queries (the fifth waits at the gate, uncounted).
    assert_eq!(source.calls(), 4);
    let stats = server.hub.stats();
    assert_eq!(
        (stats.topics, stats.upstream_queries_total),
        (1, 4),
        "{stats:?}"
    );
}

/// When the last subscriber leaves, the topic is removed and its upstream polling stops.
#[tokio::test]
async fn topic_stops_when_the_last_subscriber_leaves() {
    let source = Arc::new(PollSource::new("poll"));
    let hub = hub_with(vec![source.clone()], test_config());
    let panels = Panels::default().with("d", 1, "poll", &[json!({"refId": "A"})]);
    let server = start(hub, Arc::new(panels)).await;
    let mut one = Client::connect(server.addr).await;
    let mut two = Client::connect(server.addr).await;
    one.send(subscribe("p", 1)).await;
    two.send(subscribe("p", 1)).await;
    one.recv_op("frame", "p").await;
    two.recv_op("frame", "p").await;
    let stats = server.hub.stats();
    assert_eq!(
        (stats.topics, stats.subscribers, stats.connections),
        (1, 2, 2)
    );
    one.send(json!({"op": "unsubscribe", "sub": "p"})).await;
    eventually("one subscriber left", || {
        server.hub.stats().subscribers == 1
    })
    .await;
    assert_eq!(server.hub.stats().topics, 1);
    two.close().await;
    eventually("topic gone", || {
        let stats = server.hub.stats();
        (stats.topics, stats.subscribers, stats.connections) == (0, 0, 1)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let calls = source.calls();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        source.calls(),
        calls,
        "the upstream kept polling after the topic ended"
    );
}

#[derive(Debug)]
struct History;

impl StreamHistory for History {
    fn window(&self, stream: &str, range: TimeRange) -> Vec<Series> {
        match stream {
            "plant" => vec![series("line_pressure", &[(range.to_ms - 1_000, 7.0)])],
            _ => Vec::new(),
        }
    }
}

/// A stream subscription starts with the stream's history and then gets published points.
#[tokio::test]
async fn stream_subscription_gets_history_then_published_points() {
    let hub = hub_with(vec![], test_config());
    hub.set_stream_history(Arc::new(History));
    let server = start(hub.clone(), Arc::new(Panels::default())).await;
    let mut client = Client::connect(server.addr).await;
    client
        .send(json!({"op": "subscribe", "sub": "s", "stream": "plant"}))
        .await;
    let first = client.recv_op("frame", "s").await;
    assert_eq!(first["replace"], true);
    assert_eq!(values(&first), vec![7.0]);
    hub.publish_stream("other", vec![series("line_pressure", &[(now_ms(), 1.0)])]);
    hub.publish_stream("plant", vec![series("line_pressure", &[(now_ms(), 7.25)])]);
    let next = client.recv_op("frame", "s").await;
    assert_eq!(next["replace"], false);
    assert_eq!(next["series"][0]["name"], "line_pressure");
    assert_eq!(values(&next), vec![7.25]);
}

/// An upstream outage is reported once as `down`, then `up` when it recovers, and data flows
/// again.
#[tokio::test]
async fn status_down_then_up_when_the_source_recovers() {
    let source = Arc::new(PollSource::new("poll"));
    let hub = hub_with(vec![source.clone()], test_config());
    let panels = Panels::default().with("d", 1, "poll", &[json!({"refId": "A"})]);
    let server = start(hub, Arc::new(panels)).await;
    let mut client = Client::connect(server.addr).await;
    client.send(subscribe("p", 1)).await;
    assert_eq!(client.recv_op("frame", "p").await["replace"], true);
    source.fail.store(true, Ordering::SeqCst);
    let down = client.recv_op("status", "p").await;
    assert_eq!(down["source"], "down");
    assert!(
        down["message"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{down}"
    );
    let failures = source.calls();
    eventually("a few retries", || source.calls() >= failures + 3).await;
    source.fail.store(false, Ordering::SeqCst);
    let up = client.recv_op("status", "p").await;
    assert_eq!(up["source"], "up", "one down per outage, then up: {up}");
    let after = client.recv_op("frame", "p").await;
    assert_eq!(after["replace"], false, "{after}");
}

/// Garbage gets an error frame naming the problem, and the connection stays usable.
#[tokio::test]
async fn malformed_messages_get_error_frames() {
    let source = Arc::new(PollSource::new("poll"));
    let hub = hub_with(vec![source], test_config());
    let panels = Panels::default()
        .with("d", 1, "poll", &[json!({"refId": "A"})])
        .with("d", 3, "poll", &[json!({"refId": "B", "invalid": true})]);
    let server = start(hub, Arc::new(panels)).await;
    let mut client = Client::connect(server.addr).await;
    client.send_text("{nope").await;
    let error = client.recv().await;
    assert_eq!(error["op"], "error");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("malformed JSON"),
        "{error}"
    );
    client.send(json!({"op": "dance", "sub": "x"})).await;
    let error = client.recv_op("error", "x").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("unknown op \"dance\""),
        "{error}"
    );
    client.send(subscribe("y", 9)).await;
    let error = client.recv_op("error", "y").await;
    assert!(
        error["message"].as_str().unwrap().contains("no panel 9"),
        "{error}"
    );
    client.send(subscribe("bad", 3)).await;
    let error = client.recv_op("error", "bad").await;
    assert!(
        error["message"].as_str().unwrap().contains("invalid query"),
        "{error}"
    );
    client.send(subscribe("ok", 1)).await;
    assert_eq!(client.recv_op("frame", "ok").await["replace"], true);
}

/// After an unsubscribe (acknowledged by the next reply), no frame of it arrives.
#[tokio::test]
async fn unsubscribe_stops_frames() {
    let source = Arc::new(PollSource::new("poll"));
    let hub = hub_with(vec![source], test_config());
    let panels = Panels::default().with("d", 1, "poll", &[json!({"refId": "A"})]);
    let server = start(hub, Arc::new(panels)).await;
    let mut client = Client::connect(server.addr).await;
    client.send(subscribe("a", 1)).await;
    client.send(subscribe("b", 1)).await;
    client.recv_op("frame", "a").await;
    client.recv_op("frame", "b").await;
    client.send(json!({"op": "unsubscribe", "sub": "a"})).await;
    client.send(json!({"op": "marker", "sub": "m"})).await;
    client.recv_op("error", "m").await;
    let mut b_frames = 0;
    while b_frames < 5 {
        let message = client.recv().await;
        assert_ne!(message["sub"], "a", "frame after unsubscribe: {message}");
        if message["op"] == "frame" {
            b_frames += 1;
        }
    }
    assert_eq!(server.hub.stats().subscribers, 1);
}

/// A panel with several targets: one topic each, and replace frames carry all their series.
#[tokio::test]
async fn panel_targets_are_concatenated_in_replace_frames() {
    let source = Arc::new(PollSource::new("poll"));
    let hub = hub_with(vec![source], test_config());
    let targets = [
        json!({"refId": "A", "series": "a"}),
        json!({"refId": "B", "series": "b"}),
    ];
    let panels = Panels::default().with("d", 2, "poll", &targets);
    let server = start(hub, Arc::new(panels)).await;
    let mut client = Client::connect(server.addr).await;
    client.send(subscribe("m", 2)).await;
    loop {
        let frame = client.recv_op("frame", "m").await;
        let names: Vec<&str> = frame["series"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["name"].as_str())
            .collect();
        if frame["replace"] == true && names.len() == 2 {
            assert_eq!(names, ["a", "b"]);
            break;
        }
    }
    assert_eq!(server.hub.stats().topics, 2);
}

/// Subscribing again under the same id replaces the old subscription.
#[tokio::test]
async fn resubscribing_an_id_replaces_it() {
    let source = Arc::new(PollSource::new("poll"));
    let hub = hub_with(vec![source], test_config());
    let panels = Panels::default().with("d", 1, "poll", &[json!({"refId": "A"})]);
    let server = start(hub.clone(), Arc::new(panels)).await;
    let mut client = Client::connect(server.addr).await;
    client.send(subscribe("x", 1)).await;
    client.recv_op("frame", "x").await;
    client
        .send(json!({"op": "subscribe", "sub": "x", "stream": "plant"}))
        .await;
    eventually("the poll topic ended", || hub.stats().topics == 1).await;
    loop {
        let frame = client.recv_op("frame", "x").await;
        if frame["replace"] == true && frame["series"] == json!([]) {
            break;
        }
    }
    hub.publish_stream("plant", vec![series("p", &[(now_ms(), 3.0)])]);
    let next = client.recv_op("frame", "x").await;
    assert_eq!(values(&next), vec![3.0], "{next}");
}
