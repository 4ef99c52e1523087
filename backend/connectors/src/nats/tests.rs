//! The NATS source against a real nats-server: settings and target errors, decoding with
//! labels from the subject, one upstream subscription shared by two panels, JetStream
//! consumers, and recovery after the server restarts.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use pulsegrid_testkit::NatsServer;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::NatsSource;
use crate::error::SourceError;
use crate::source::{LiveMode, Source, SourceEvent};
use crate::testing::{datasource, request, unique};

fn source(url: &str) -> Arc<NatsSource> {
    Arc::new(
        NatsSource::new(&datasource(
            json!({"name": "nats", "type": "nats", "uid": "nats", "url": url}),
        ))
        .expect("a valid datasource"),
    )
}

/// A running `subscribe` call and what it sends.
struct Running {
    events: mpsc::Receiver<SourceEvent>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<crate::error::Result<()>>,
}

fn subscribe(source: &Arc<NatsSource>, target: Value) -> Running {
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
        mut poke: impl AsyncFnMut(),
        pred: impl Fn(&SourceEvent) -> bool,
    ) -> SourceEvent {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            poke().await;
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

async fn nothing() {}

async fn publisher(server: &NatsServer) -> async_nats::Client {
    async_nats::connect(server.url()).await.expect("publisher")
}

/// How many subscriptions on `subject` the server holds, over all connections.
fn server_subscriptions(server: &NatsServer, subject: &str) -> usize {
    let connz: Value =
        serde_json::from_str(&server.monitor("/connz?subs=1").expect("connz")).expect("json");
    connz["connections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| {
            c["subscriptions_list"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|s| s.as_str() == Some(subject))
        .count()
}

/// Settings errors name the field; secrets stay out of `Debug`.
#[test]
fn settings_are_checked_and_secrets_hidden() {
    let bad = [
        (json!({"name": "n", "type": "nats"}), "`url`"),
        (
            json!({"name": "n", "type": "nats", "url": "nats://u:p@h:4222"}),
            "credentials",
        ),
        (
            json!({"name": "n", "type": "nats", "url": "nats://h:4222", "secureJsonData": {"password": "x"}}),
            "`user`",
        ),
        (
            json!({"name": "n", "type": "nats", "url": "nats://h:4222", "jsonData": {"connectTimeout": "soon"}}),
            "connectTimeout",
        ),
    ];
    for (ds, field) in bad {
        let err = NatsSource::new(&datasource(ds.clone())).expect_err("an error");
        assert!(matches!(err, SourceError::Config { .. }), "{ds}: {err}");
        assert!(err.to_string().contains(field), "{ds}: {err}");
    }
    let ok = NatsSource::new(&datasource(json!({"name": "n", "type": "nats",
        "url": "nats://a:4222, tls://b:4223", "user": "bob",
        "secureJsonData": {"password": "s3cret-pw", "token": "s3cret-token"}})))
    .expect("valid");
    let debug = format!("{ok:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    assert!(ok.config().require_tls && ok.config().servers.len() == 2);
}

/// Target errors name the field; `query_range` reports them before any connection.
#[tokio::test]
async fn targets_are_checked() {
    let source = source("nats://127.0.0.1:1");
    let bad = [
        (json!({}), "`subject`"),
        (json!({"subject": "a..b"}), "dot-separated"),
        (json!({"subject": "a.>.b"}), "last level"),
        (json!({"subject": "a", "durable": "d"}), "`stream`"),
        (
            json!({"stream": "S", "deliverPolicy": "sometimes"}),
            "deliverPolicy",
        ),
        (
            json!({"stream": "S", "startTime": "yesterday"}),
            "startTime",
        ),
        (json!({"stream": "a.b"}), "stream"),
        (json!({"subject": "a", "format": "xml"}), "format"),
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
        source.live_mode(&json!({"subject": "a"}), 1000),
        LiveMode::Subscribe
    );
}

/// Messages on matching subjects decode (JSON field, plain number), wildcard names become
/// labels, a bad message is reported without ending the subscription, and `query_range`
/// returns what was seen.
#[tokio::test]
async fn decodes_subjects_with_labels() {
    let server = NatsServer::start().expect("nats-server");
    let source = source(&server.url());
    let prefix = unique("plant");
    let target =
        json!({"subject": format!("{prefix}.*line.speed"), "field": "v", "alias": "speed"});
    let mut running = subscribe(&source, target.clone());
    let publisher = publisher(&server).await;
    let subject = format!("{prefix}.l1.speed");
    let publish = async || {
        publisher
            .publish(subject.clone(), r#"{"v": 4.5}"#.into())
            .await
            .unwrap();
        publisher.flush().await.unwrap();
    };
    let frame = running.wait_for(publish, is_frame).await;
    let SourceEvent::Frame { series, replace } = &frame else {
        unreachable!()
    };
    assert!(!replace);
    assert_eq!(series[0].name, "speed");
    assert_eq!(series[0].labels.get("line"), Some("l1"));
    assert_eq!(values(&frame)[0], 4.5);

    publisher
        .publish(format!("{prefix}.l2.speed"), "oops".into())
        .await
        .unwrap();
    publisher
        .publish(format!("{prefix}.l2.speed"), r#"{"v": 7}"#.into())
        .await
        .unwrap();
    publisher
        .publish(format!("{prefix}.l2.other"), r#"{"v": 99}"#.into())
        .await
        .unwrap();
    let bad = running
        .wait_for(
            nothing,
            |e| matches!(e, SourceEvent::Status { message, .. } if message.contains("bad message")),
        )
        .await;
    assert!(matches!(bad, SourceEvent::Status { up: true, .. }));
    let next = running
        .wait_for(nothing, |e| values(e).contains(&7.0))
        .await;
    let SourceEvent::Frame { series, .. } = &next else {
        unreachable!()
    };
    assert_eq!(series[0].labels.get("line"), Some("l2"));

    let now = crate::testing::now_aligned(1);
    let seen = source
        .query_range(&request(target, now - 60_000, now + 1_000, 1_000))
        .await
        .unwrap();
    let all: Vec<f64> = seen.iter().flat_map(|s| s.v.clone()).collect();
    assert!(
        all.contains(&4.5) && all.contains(&7.0) && !all.contains(&99.0),
        "{seen:?}"
    );
    assert_eq!(
        source
            .stats()
            .bad_messages
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    running.stop().await;
}

/// Two panels on the same subject (different decoding) share one connection and one server
/// subscription, which is removed when both leave.
#[tokio::test]
async fn panels_share_one_subscription() {
    let server = NatsServer::start().expect("nats-server");
    let source = source(&server.url());
    let subject = unique("shared");
    let mut a = subscribe(&source, json!({"subject": subject, "alias": "a"}));
    let mut b = subscribe(
        &source,
        json!({"subject": subject, "alias": "b", "format": "number"}),
    );
    let publisher = publisher(&server).await;
    let publish = async || {
        publisher
            .publish(subject.clone(), "3".into())
            .await
            .unwrap();
        publisher.flush().await.unwrap();
    };
    a.wait_for(publish, is_frame).await;
    b.wait_for(nothing, is_frame).await;
    assert_eq!(server_subscriptions(&server, &subject), 1);
    assert_eq!(source.open_feeds(), 1);
    let connz: Value = serde_json::from_str(&server.monitor("/connz").unwrap()).unwrap();
    let ours = connz["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "pulsegrid")
        .count();
    assert_eq!(ours, 1, "one connection: {connz}");
    a.stop().await;
    assert_eq!(
        server_subscriptions(&server, &subject),
        1,
        "b still watches"
    );
    b.stop().await;
    let mut gone = false;
    for _ in 0..50 {
        if server_subscriptions(&server, &subject) == 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "unsubscribed upstream after the last panel left");
    assert_eq!(source.open_feeds(), 0);
}

/// JetStream: an ordered consumer from `all` replays the stream then follows it; a durable
/// consumer is created once for two panels; `startTime` skips older messages.
#[tokio::test]
async fn reads_jetstream_streams() {
    let server = NatsServer::start().expect("nats-server");
    let publisher = publisher(&server).await;
    let js = jetstream::new(publisher.clone());
    let name = unique("METRICS").replace('_', "-");
    let stream_subject = format!("{name}.>").to_lowercase();
    js.create_stream(jetstream::stream::Config {
        name: name.clone(),
        subjects: vec![stream_subject.clone()],
        ..Default::default()
    })
    .await
    .expect("create stream");
    let subject = |site: &str| stream_subject.replace('>', site);
    for v in [1, 2] {
        js.publish(subject("north"), format!("{v}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let source = source(&server.url());
    let filter = stream_subject.replace('>', "*site");
    let mut replay = subscribe(
        &source,
        json!({"stream": name, "subject": filter, "deliverPolicy": "all"}),
    );
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let frame = replay.wait_for(nothing, is_frame).await;
        seen.extend(values(&frame));
        if let SourceEvent::Frame { series, .. } = &frame {
            assert_eq!(series[0].labels.get("site"), Some("north"));
        }
    }
    assert_eq!(seen, [1.0, 2.0]);
    js.publish(subject("south"), "3".into())
        .await
        .unwrap()
        .await
        .unwrap();
    let next = replay.wait_for(nothing, is_frame).await;
    assert_eq!(values(&next), [3.0]);

    let later = subscribe(&source, json!({"stream": name, "startTime": "now+1h"}));
    let durable = json!({"stream": name, "durable": "pulsegrid-test", "deliverPolicy": "all"});
    let mut d1 = subscribe(&source, durable.clone());
    let mut d2 = subscribe(
        &source,
        json!({"stream": name, "durable": "pulsegrid-test", "deliverPolicy": "all", "alias": "x"}),
    );
    let _ = durable;
    let mut got = Vec::new();
    while got.len() < 3 {
        got.extend(values(&d1.wait_for(nothing, is_frame).await));
    }
    assert_eq!(got, [1.0, 2.0, 3.0]);
    d2.wait_for(nothing, is_frame).await;
    let mut info = js.get_stream(&name).await.unwrap();
    let consumers = info.info().await.unwrap().state.consumer_count;
    assert_eq!(consumers, 3, "replay, later and one durable for two panels");
    for r in [replay, later, d1, d2] {
        r.stop().await;
    }
}

/// The server goes away under a live subscription: `status` down, then up after it is back
/// on the same port, and new messages arrive again.
#[tokio::test]
async fn recovers_after_server_restart() {
    let mut server = NatsServer::start().expect("nats-server");
    let source = source(&server.url());
    let subject = unique("restart");
    let mut running = subscribe(&source, json!({"subject": subject}));
    let publisher = publisher(&server).await;
    let publish = async || {
        let _ = publisher.publish(subject.clone(), "1".into()).await;
        let _ = publisher.flush().await;
    };
    running.wait_for(publish, is_frame).await;
    server.stop();
    running
        .wait_for(nothing, |e| {
            matches!(e, SourceEvent::Status { up: false, .. })
        })
        .await;
    server.restart().expect("restart");
    running
        .wait_for(nothing, |e| {
            matches!(e, SourceEvent::Status { up: true, .. })
        })
        .await;
    let frame = running.wait_for(publish, is_frame).await;
    assert_eq!(values(&frame)[0], 1.0);
    running.stop().await;
}
