//! A dashboard panel on a real Redis: values published with an independent client
//! (`redis-cli PUBLISH` and `XADD`) reach a WebSocket subscriber, from a channel and from a
//! stream; the server going away under a live panel is a `status` down, and its return on the
//! same port a `status` up.

mod common;

use common::TestServer;
use common::live::{frame_where, plant_server, subscribe, values};

use pulsegrid_testkit::RedisServer;
use serde_json::{Value, json};

/// A pulsegrid server with a Redis datasource and a dashboard with `targets` as panels 1, 2...
fn pulsegrid(redis: &RedisServer, targets: &[Value]) -> (TestServer, tempfile::TempDir) {
    let settings = format!(
        "    url: {}\n    secureJsonData:\n      password: redis-pw\n",
        redis.url()
    );
    plant_server("redis", &settings, targets)
}

/// A value published with `redis-cli PUBLISH` on a channel matched by a pattern (labelled
/// with the channel) and one added with `XADD` to a stream reach the panels' subscribers.
#[tokio::test]
async fn published_values_reach_the_panel() {
    let redis = RedisServer::start_with_password(Some("redis-pw")).expect("redis-server");
    let (server, _dir) = pulsegrid(
        &redis,
        &[
            json!({"channel": "plant:*:speed", "field": "v", "labelFromChannel": "channel"}),
            json!({"stream": "plant:readings", "labels": ["site"]}),
        ],
    );
    let mut channel = subscribe(&server, 1).await;
    let frame = frame_where(
        &mut channel,
        20,
        || drop(redis.cli(&["PUBLISH", "plant:l7:speed", r#"{"v": 42.25}"#])),
        |f| f["op"] == "frame" && values(f).contains(&42.25),
    )
    .await;
    assert_eq!(
        frame["series"][0]["labels"],
        json!({"channel": "plant:l7:speed"})
    );

    let mut stream = subscribe(&server, 2).await;
    let frame = frame_where(
        &mut stream,
        20,
        || {
            drop(redis.cli(&[
                "XADD",
                "plant:readings",
                "*",
                "value",
                "11.5",
                "site",
                "north",
            ]))
        },
        |f| f["op"] == "frame" && values(f).contains(&11.5),
    )
    .await;
    assert_eq!(frame["series"][0]["labels"], json!({"site": "north"}));
}

/// Redis stops under a live panel: a `status` down frame; it restarts on the same port: a
/// `status` up frame, and a newly published value arrives.
#[tokio::test]
async fn broker_restart_is_reported_and_recovered() {
    let mut redis = RedisServer::start_with_password(Some("redis-pw")).expect("redis-server");
    let (server, _dir) = pulsegrid(&redis, &[json!({"channel": "plant:pressure"})]);
    let mut ws = subscribe(&server, 1).await;
    frame_where(
        &mut ws,
        20,
        || drop(redis.cli(&["PUBLISH", "plant:pressure", "7.5"])),
        |f| f["op"] == "frame" && values(f).contains(&7.5),
    )
    .await;
    redis.stop();
    let down = frame_where(&mut ws, 20, || {}, |f| f["op"] == "status").await;
    assert_eq!(down["source"], "down", "{down}");
    redis.restart().expect("restart redis-server");
    let up = frame_where(&mut ws, 20, || {}, |f| f["op"] == "status").await;
    assert_eq!(up["source"], "up", "{up}");
    frame_where(
        &mut ws,
        20,
        || drop(redis.cli(&["PUBLISH", "plant:pressure", "8.75"])),
        |f| f["op"] == "frame" && values(f).contains(&8.75),
    )
    .await;
}
