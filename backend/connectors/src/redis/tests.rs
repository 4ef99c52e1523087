//! The Redis source against a real redis-server, published to with `redis-cli`: settings and
//! target errors, pub/sub channels and patterns with the channel as a label, streams with
//! fields as value and labels, one upstream subscription shared by two panels, and recovery
//! after the server restarts.

use std::sync::Arc;
use std::time::Duration;

use pulsegrid_testkit::RedisServer;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::RedisSource;
use crate::error::SourceError;
use crate::source::{LiveMode, Source, SourceEvent};
use crate::testing::{datasource, request, unique};

fn source(ds: Value) -> Arc<RedisSource> {
    Arc::new(RedisSource::new(&datasource(ds)).expect("a valid datasource"))
}

fn plain(server: &RedisServer) -> Arc<RedisSource> {
    source(json!({"name": "redis", "type": "redis", "uid": "redis", "url": server.url()}))
}

/// A running `subscribe` call and what it sends.
struct Running {
    events: mpsc::Receiver<SourceEvent>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<crate::error::Result<()>>,
}

fn subscribe(source: &Arc<RedisSource>, target: Value) -> Running {
    let (tx, events) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let (s, c) = (source.clone(), cancel.clone());
    let task = tokio::spawn(async move { s.subscribe(&target, tx, c).await });
    Running {
        events,
        cancel,
        task,
    }
}

impl Running {
    /// The next event matching `pred` within 10 s, calling `poke` (e.g. a publish) every
    /// 200 ms while waiting.
    async fn wait_for(
        &mut self,
        mut poke: impl FnMut(),
        pred: impl Fn(&SourceEvent) -> bool,
    ) -> SourceEvent {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            poke();
            let tick = tokio::time::Instant::now() + Duration::from_millis(200);
            while let Ok(Some(event)) = tokio::time::timeout_at(tick, self.events.recv()).await {
                if pred(&event) {
                    return event;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no matching event within 10s"
            );
        }
    }

    async fn stop(self) {
        self.cancel.cancel();
        let outcome = tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("subscribe returns after cancel")
            .expect("no panic");
        assert!(outcome.is_ok(), "{outcome:?}");
    }
}

fn values(event: &SourceEvent) -> Vec<f64> {
    match event {
        SourceEvent::Frame { series, .. } => series.iter().flat_map(|s| s.v.clone()).collect(),
        SourceEvent::Status { .. } => Vec::new(),
    }
}

fn is_frame(event: &SourceEvent) -> bool {
    matches!(event, SourceEvent::Frame { .. })
}

fn nothing() {}

/// `PUBSUB NUMSUB channel` (or `PUBSUB NUMPAT` for patterns): subscriptions the server holds.
fn numsub(server: &RedisServer, channel: &str) -> usize {
    let out = server.cli(&["PUBSUB", "NUMSUB", channel]).expect("numsub");
    out.lines()
        .nth(1)
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Settings errors name the field; secrets stay out of `Debug`.
#[test]
fn settings_are_checked_and_secrets_hidden() {
    let bad = [
        (json!({"name": "r", "type": "redis"}), "`url`"),
        (
            json!({"name": "r", "type": "redis", "url": "rediss://h"}),
            "TLS",
        ),
        (
            json!({"name": "r", "type": "redis", "url": "redis://h:x"}),
            "port",
        ),
        (
            json!({"name": "r", "type": "redis", "url": "redis://u:p@h"}),
            "credentials",
        ),
        (
            json!({"name": "r", "type": "redis", "url": "h", "jsonData": {"db": "one"}}),
            "jsonData.db",
        ),
    ];
    for (ds, field) in bad {
        let err = RedisSource::new(&datasource(ds.clone())).expect_err("an error");
        assert!(matches!(err, SourceError::Config { .. }), "{ds}: {err}");
        assert!(err.to_string().contains(field), "{ds}: {err}");
    }
    let ok = RedisSource::new(&datasource(json!({"name": "r", "type": "redis",
        "url": "redis://cache:6380/2", "user": "bob", "secureJsonData": {"password": "s3cret pw"}})))
    .expect("valid");
    let debug = format!("{ok:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
}

/// Target errors name the field; `query_range` reports them before any connection.
#[tokio::test]
async fn targets_are_checked() {
    let source = source(json!({"name": "r", "type": "redis", "url": "redis://127.0.0.1:1"}));
    let bad = [
        (json!({}), "`channel`"),
        (json!({"channel": "a", "stream": "b"}), "not both"),
        (
            json!({"channel": "a", "startTime": "now-1h"}),
            "`startTime`",
        ),
        (
            json!({"stream": "s", "startTime": "yesterday"}),
            "startTime",
        ),
        (json!({"stream": "s", "labels": [1]}), "labels"),
        (json!({"channel": "a", "format": "xml"}), "format"),
    ];
    for (target, field) in bad {
        let err = source
            .query_range(&request(target.clone(), 0, 1, 1))
            .await
            .expect_err("an error");
        assert!(
            matches!(err, SourceError::InvalidQuery(_)),
            "{target}: {err}"
        );
        assert!(err.to_string().contains(field), "{target}: {err}");
    }
    assert_eq!(
        source.live_mode(&json!({"channel": "a"}), 1000),
        LiveMode::Subscribe
    );
}

/// Channel messages decode (JSON field, plain number); a pattern subscription labels each
/// point with its channel; a bad message is reported without ending the subscription.
#[tokio::test]
async fn decodes_channels_and_patterns() {
    let server = RedisServer::start().expect("redis-server");
    let source = plain(&server);
    let prefix = unique("plant");
    let channel = format!("{prefix}:l1:speed");
    let mut exact = subscribe(&source, json!({"channel": channel, "field": "v"}));
    let frame = exact
        .wait_for(
            || drop(server.cli(&["PUBLISH", &channel, r#"{"v": 4.5}"#])),
            is_frame,
        )
        .await;
    let SourceEvent::Frame { series, .. } = &frame else {
        unreachable!()
    };
    assert_eq!(series[0].name, channel);
    assert_eq!(values(&frame)[0], 4.5);

    let mut pattern = subscribe(
        &source,
        json!({"channel": format!("{prefix}:*:speed"), "labelFromChannel": "channel", "alias": "speed"}),
    );
    let other = format!("{prefix}:l2:speed");
    let frame = pattern
        .wait_for(|| drop(server.cli(&["PUBLISH", &other, "7"])), is_frame)
        .await;
    let SourceEvent::Frame { series, .. } = &frame else {
        unreachable!()
    };
    assert_eq!(series[0].name, "speed");
    assert_eq!(series[0].labels.get("channel"), Some(other.as_str()));
    let numpat = server.cli(&["PUBSUB", "NUMPAT"]).unwrap();
    assert_eq!(numpat, "1");

    server.cli(&["PUBLISH", &channel, "oops"]).unwrap();
    server.cli(&["PUBLISH", &channel, r#"{"v": 8}"#]).unwrap();
    exact
        .wait_for(nothing, |e| {
            matches!(e, SourceEvent::Status { up: true, message } if message.contains("bad message"))
        })
        .await;
    exact.wait_for(nothing, |e| values(e).contains(&8.0)).await;
    exact.stop().await;
    pattern.stop().await;
}

/// Stream entries: `field` holds the value, listed fields become labels, the entry id gives
/// the time; `startTime` replays older entries; `query_range` returns what was seen.
#[tokio::test]
async fn reads_streams() {
    let server = RedisServer::start().expect("redis-server");
    let source = plain(&server);
    let stream = unique("readings");
    server
        .cli(&["XADD", &stream, "1000-0", "value", "1.5", "site", "north"])
        .unwrap();
    server
        .cli(&["XADD", &stream, "2000-0", "value", "2.5", "site", "south"])
        .unwrap();
    let replay = json!({"stream": stream, "startTime": "1500", "labels": ["site"]});
    let mut old = subscribe(&source, replay.clone());
    let frame = old.wait_for(nothing, is_frame).await;
    let SourceEvent::Frame { series, .. } = &frame else {
        unreachable!()
    };
    assert_eq!(series.len(), 1, "{series:?}");
    assert_eq!(
        (series[0].t.clone(), series[0].v.clone()),
        (vec![2000], vec![2.5])
    );
    assert_eq!(series[0].labels.get("site"), Some("south"));
    let seen = source
        .query_range(&request(replay, 0, 10_000, 1))
        .await
        .unwrap();
    assert_eq!(seen[0].v, [2.5]);

    let mut live = subscribe(&source, json!({"stream": stream, "field": "temp"}));
    let frame = live
        .wait_for(
            || drop(server.cli(&["XADD", &stream, "*", "temp", "21.5", "value", "0"])),
            is_frame,
        )
        .await;
    assert_eq!(values(&frame)[0], 21.5);
    assert!(values(&old.wait_for(nothing, is_frame).await).contains(&0.0));
    old.stop().await;
    live.stop().await;
}

/// Two panels on the same channel share one connection and one server subscription, which
/// is removed when both leave.
#[tokio::test]
async fn panels_share_one_subscription() {
    let server = RedisServer::start().expect("redis-server");
    let source = plain(&server);
    let channel = unique("shared");
    let mut a = subscribe(&source, json!({"channel": channel, "alias": "a"}));
    let mut b = subscribe(
        &source,
        json!({"channel": channel, "alias": "b", "format": "number"}),
    );
    a.wait_for(|| drop(server.cli(&["PUBLISH", &channel, "3"])), is_frame)
        .await;
    b.wait_for(|| drop(server.cli(&["PUBLISH", &channel, "3"])), is_frame)
        .await;
    assert_eq!(numsub(&server, &channel), 1);
    assert_eq!(source.open_feeds(), 1);
    let clients = server.cli(&["CLIENT", "LIST"]).unwrap();
    assert_eq!(clients.matches("cmd=subscribe").count(), 1, "{clients}");
    a.stop().await;
    assert_eq!(numsub(&server, &channel), 1, "b still watches");
    b.stop().await;
    let mut gone = false;
    for _ in 0..50 {
        if numsub(&server, &channel) == 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "unsubscribed upstream after the last panel left");
}

/// The server goes away under live subscriptions (a channel and a stream): `status` down,
/// then up once it is back on the same port, and new messages arrive again.
#[tokio::test]
async fn recovers_after_server_restart() {
    let mut server = RedisServer::start_with_password(Some("pw")).expect("redis-server");
    let source = source(
        json!({"name": "redis", "type": "redis", "url": server.url(),
                               "secureJsonData": {"password": "pw"}}),
    );
    let channel = unique("restart");
    let stream = unique("restart-stream");
    let mut sub = subscribe(&source, json!({"channel": channel}));
    let mut st = subscribe(&source, json!({"stream": stream}));
    sub.wait_for(|| drop(server.cli(&["PUBLISH", &channel, "1"])), is_frame)
        .await;
    st.wait_for(
        || drop(server.cli(&["XADD", &stream, "*", "value", "1"])),
        is_frame,
    )
    .await;
    server.stop();
    for r in [&mut sub, &mut st] {
        r.wait_for(nothing, |e| {
            matches!(e, SourceEvent::Status { up: false, .. })
        })
        .await;
    }
    server.restart().expect("restart");
    for r in [&mut sub, &mut st] {
        r.wait_for(nothing, |e| {
            matches!(e, SourceEvent::Status { up: true, .. })
        })
        .await;
    }
    let frame = sub
        .wait_for(|| drop(server.cli(&["PUBLISH", &channel, "2"])), is_frame)
        .await;
    assert_eq!(values(&frame)[0], 2.0);
    let frame = st
        .wait_for(
            || drop(server.cli(&["XADD", &stream, "*", "value", "3"])),
            is_frame,
        )
        .await;
    assert_eq!(values(&frame)[0], 3.0);
    sub.stop().await;
    st.stop().await;
}
