//! The Kafka source against a real broker (tansu): settings and target errors, decoding with
//! key and topic labels, `startTime`, one set of partition consumers shared by two panels,
//! and recovery after the broker restarts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use pulsegrid_testkit::Tansu;
use rskafka::chrono::{TimeZone as _, Utc};
use rskafka::client::partition::{Compression, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};
use rskafka::record::Record;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{KafkaSource, KafkaTarget, StartFrom};
use crate::error::SourceError;
use crate::source::{LiveMode, Source, SourceEvent};
use crate::testing::{datasource, now_aligned, request, unique};

fn source(tansu: &Tansu) -> Arc<KafkaSource> {
    Arc::new(
        KafkaSource::new(&datasource(
            json!({"name": "kafka", "type": "kafka", "uid": "kafka",
            "jsonData": {"bootstrapServers": tansu.bootstrap(), "requestTimeout": "1s"}}),
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

fn subscribe(source: &Arc<KafkaSource>, target: Value) -> Running {
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
    /// The next event matching `pred` within 15 s, calling `poke` (e.g. a publish) every
    /// 300 ms while waiting.
    async fn wait_for(
        &mut self,
        mut poke: impl AsyncFnMut(),
        pred: impl Fn(&SourceEvent) -> bool,
    ) -> SourceEvent {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            poke().await;
            let tick = tokio::time::Instant::now() + Duration::from_millis(300);
            while let Ok(Some(event)) = tokio::time::timeout_at(tick, self.events.recv()).await {
                if pred(&event) {
                    return event;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no matching event within 15s"
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

fn is_up(event: &SourceEvent) -> bool {
    matches!(event, SourceEvent::Status { up: true, .. })
}

async fn nothing() {}

/// An independent producer (its own client).
async fn producer(tansu: &Tansu) -> Client {
    ClientBuilder::new(vec![tansu.bootstrap()])
        .build()
        .await
        .expect("producer client")
}

/// Produces one record to partition 0 of `topic`; failures are ignored (the broker may be
/// down on purpose).
async fn produce(client: &Client, topic: &str, key: Option<&str>, value: &str) {
    let Ok(partition) = client
        .partition_client(topic, 0, UnknownTopicHandling::Error)
        .await
    else {
        return;
    };
    let record = Record {
        key: key.map(|k| k.as_bytes().to_vec()),
        value: Some(value.as_bytes().to_vec()),
        headers: BTreeMap::new(),
        timestamp: Utc
            .timestamp_millis_opt(now_aligned(1))
            .single()
            .expect("now"),
    };
    let _ = partition
        .produce(vec![record], Compression::NoCompression)
        .await;
}

/// Server-side connections on the broker's port, as the OS sees them (the broker itself
/// cannot list its consumers: these read partitions without a consumer group).
fn broker_connections(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let local = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() > 3 && fields[1].ends_with(&local) && fields[3] == "01"
        })
        .count()
}

/// Settings errors name the field; secrets stay out of `Debug`.
#[test]
fn settings_are_checked_and_secrets_hidden() {
    let bad = [
        (json!({"name": "k", "type": "kafka"}), "`url`"),
        (
            json!({"name": "k", "type": "kafka", "url": "localhost"}),
            "host:port",
        ),
        (
            json!({"name": "k", "type": "kafka", "jsonData": {"bootstrapServers": "http://h:1"}}),
            "bootstrapServers",
        ),
        (
            json!({"name": "k", "type": "kafka", "url": "h:9092", "secureJsonData": {"password": "x"}}),
            "`user`",
        ),
        (
            json!({"name": "k", "type": "kafka", "url": "h:9092", "user": "u", "jsonData": {"saslMechanism": "GSSAPI"}}),
            "saslMechanism",
        ),
        (
            json!({"name": "k", "type": "kafka", "url": "h:9092", "jsonData": {"requestTimeout": "soon"}}),
            "requestTimeout",
        ),
    ];
    for (ds, field) in bad {
        let err = KafkaSource::new(&datasource(ds.clone())).expect_err("an error");
        assert!(matches!(err, SourceError::Config { .. }), "{ds}: {err}");
        assert!(err.to_string().contains(field), "{ds}: {err}");
    }
    let ok = KafkaSource::new(&datasource(json!({"name": "k", "type": "kafka",
        "url": "kafka://a:9092, ssl://b:9093", "user": "bob",
        "jsonData": {"tlsSkipVerify": true},
        "secureJsonData": {"password": "s3cret-pw"}})))
    .expect("valid");
    let debug = format!("{ok:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    assert_eq!(ok.config().bootstrap(), ["a:9092", "b:9093"]);
    assert!(ok.config().tls());
}

/// Target errors name the field; `query_range` reports them before any connection; the
/// topic list takes the three spellings.
#[tokio::test]
async fn targets_are_checked() {
    let source = Arc::new(
        KafkaSource::new(&datasource(
            json!({"name": "k", "type": "kafka", "url": "127.0.0.1:1"}),
        ))
        .unwrap(),
    );
    let bad = [
        (json!({}), "`topic`"),
        (json!({"topic": " , "}), "`topic`"),
        (json!({"topic": "a b"}), "topic name"),
        (json!({"topic": "[\"a\""}), "JSON list"),
        (json!({"topic": 7}), "`topic`"),
        (json!({"topic": "a", "startTime": "yesterday"}), "startTime"),
        (json!({"topic": "a", "labelFromKey": "a-b"}), "labelFromKey"),
        (json!({"topic": "a", "format": "xml"}), "format"),
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
    for spelling in [json!("a, b,a"), json!("[\"a\", \"b\"]"), json!(["a", "b"])] {
        let t = KafkaTarget::parse(&json!({"topic": spelling}), 0).unwrap();
        assert_eq!(t.topics, ["a", "b"]);
        assert_eq!(t.start, StartFrom::Latest);
    }
    let t = KafkaTarget::parse(&json!({"topic": "a", "startTime": "now-5m"}), 600_000).unwrap();
    assert_eq!(t.start, StartFrom::Time(300_000));
    assert_eq!(
        source.live_mode(&json!({"topic": "a"}), 1000),
        LiveMode::Subscribe
    );
}

/// Records of two topics decode (JSON field), the key becomes a label and so does the
/// topic; a bad record is reported without ending the subscription; `query_range` returns
/// what was seen.
#[tokio::test]
async fn decodes_records_with_key_and_topic_labels() {
    let tansu = Tansu::start().expect("tansu");
    let (a, b) = (unique("temps-a"), unique("temps-b"));
    tansu.create_topic(&a, 2).unwrap();
    tansu.create_topic(&b, 1).unwrap();
    let source = source(&tansu);
    let target = json!({"topic": format!("{a},{b}"), "field": "v", "labelFromKey": "sensor",
        "alias": "temp"});
    let mut running = subscribe(&source, target.clone());
    let client = producer(&tansu).await;
    running.wait_for(nothing, is_up).await;
    let frame = running
        .wait_for(
            async || produce(&client, &a, Some("s1"), r#"{"v": 4.5}"#).await,
            is_frame,
        )
        .await;
    let SourceEvent::Frame { series, replace } = &frame else {
        unreachable!()
    };
    assert!(!replace);
    assert_eq!(series[0].name, "temp");
    assert_eq!(series[0].labels.get("sensor"), Some("s1"));
    assert_eq!(series[0].labels.get("topic"), Some(a.as_str()));
    assert_eq!(values(&frame)[0], 4.5);

    produce(&client, &b, Some("s2"), "oops").await;
    produce(&client, &b, Some("s2"), r#"{"v": 7}"#).await;
    let bad = running
        .wait_for(
            nothing,
            |e| matches!(e, SourceEvent::Status { message, .. } if message.contains("bad message")),
        )
        .await;
    assert!(is_up(&bad));
    let next = running
        .wait_for(nothing, |e| values(e).contains(&7.0))
        .await;
    let SourceEvent::Frame { series, .. } = &next else {
        unreachable!()
    };
    assert_eq!(series[0].labels.get("topic"), Some(b.as_str()));
    assert_eq!(series[0].labels.get("sensor"), Some("s2"));

    let now = now_aligned(1);
    let seen = source
        .query_range(&request(target, now - 60_000, now + 1_000, 1_000))
        .await
        .unwrap();
    let all: Vec<f64> = seen.iter().flat_map(|s| s.v.clone()).collect();
    assert!(all.contains(&4.5) && all.contains(&7.0), "{seen:?}");
    assert_eq!(source.stats().bad_messages.load(Ordering::Relaxed), 1);
    running.stop().await;
}

/// `startTime` reads records produced before the subscription (ListOffsets by time); the
/// default (latest) does not.
#[tokio::test]
async fn start_time_replays_older_records() {
    let tansu = Tansu::start().expect("tansu");
    let topic = unique("history");
    tansu.create_topic(&topic, 1).unwrap();
    let client = producer(&tansu).await;
    for v in ["1", "2"] {
        produce(&client, &topic, None, v).await;
    }
    let source = source(&tansu);
    let mut latest = subscribe(&source, json!({"topic": topic}));
    let mut replay = subscribe(&source, json!({"topic": topic, "startTime": "now-5m"}));
    let mut seen = Vec::new();
    while seen.len() < 2 {
        seen.extend(values(&replay.wait_for(nothing, is_frame).await));
    }
    assert_eq!(seen, [1.0, 2.0]);
    latest.wait_for(nothing, is_up).await;
    produce(&client, &topic, None, "3").await;
    let next = latest.wait_for(nothing, is_frame).await;
    assert_eq!(values(&next), [3.0], "latest starts after the old records");
    assert_eq!(values(&replay.wait_for(nothing, is_frame).await), [3.0]);
    assert_eq!(source.open_feeds(), 2, "different starts read separately");
    latest.stop().await;
    replay.stop().await;
}

/// Two panels on the same topic (different decoding) share one client and one consumer per
/// partition; the feed stops when both leave.
#[tokio::test]
async fn panels_share_one_consumer_set() {
    let tansu = Tansu::start().expect("tansu");
    let topic = unique("shared");
    tansu.create_topic(&topic, 3).unwrap();
    let client = producer(&tansu).await;
    let source = source(&tansu);
    let mut a = subscribe(&source, json!({"topic": topic, "alias": "a"}));
    a.wait_for(async || produce(&client, &topic, None, "3").await, is_frame)
        .await;
    let before = broker_connections(tansu.port());
    let mut b = subscribe(
        &source,
        json!({"topic": topic, "alias": "b", "format": "number"}),
    );
    b.wait_for(nothing, is_up).await;
    b.wait_for(async || produce(&client, &topic, None, "4").await, is_frame)
        .await;
    assert_eq!(source.open_feeds(), 1);
    assert_eq!(
        source.partition_consumers(),
        3,
        "one consumer per partition"
    );
    assert_eq!(
        broker_connections(tansu.port()),
        before,
        "the second panel opened no connection"
    );
    a.stop().await;
    assert_eq!(source.open_feeds(), 1, "b still reads");
    b.stop().await;
    assert_eq!(source.open_feeds(), 0);
    assert_eq!(source.partition_consumers(), 0);
    drop(client);
    let mut closed = false;
    for _ in 0..50 {
        if broker_connections(tansu.port()) == 0 {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(closed, "connections closed after the last panel left");
}

/// The broker goes away under a live subscription: `status` down, then up after it is back
/// on the same port (and the topic exists again), and new records arrive again.
#[tokio::test]
async fn recovers_after_broker_restart() {
    let mut tansu = Tansu::start().expect("tansu");
    let topic = unique("restart");
    tansu.create_topic(&topic, 1).unwrap();
    let source = source(&tansu);
    let mut running = subscribe(&source, json!({"topic": topic}));
    let client = producer(&tansu).await;
    running
        .wait_for(async || produce(&client, &topic, None, "1").await, is_frame)
        .await;
    tansu.stop();
    running
        .wait_for(nothing, |e| {
            matches!(e, SourceEvent::Status { up: false, .. })
        })
        .await;
    tansu.restart().expect("restart");
    tansu.create_topic(&topic, 1).expect("topic again");
    running.wait_for(nothing, is_up).await;
    let client = producer(&tansu).await;
    let frame = running
        .wait_for(async || produce(&client, &topic, None, "2").await, is_frame)
        .await;
    assert_eq!(values(&frame)[0], 2.0);
    running.stop().await;
}
