//! Kinesis source tests: settings, targets, and against kinesalite: all shards read with
//! partition-key labels, one poller per stream, recovery after a server restart.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use pulsegrid_testkit::Kinesalite;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::api::KinesisApi;
use super::*;
use crate::source::{Source, SourceEvent};
use crate::testing::{datasource, request, unique};

fn ds(server: &Kinesalite) -> pulsegrid_model::DatasourceConfig {
    datasource(json!({
        "name": "kinesis", "type": "kinesis",
        "jsonData": {"defaultRegion": "us-east-1", "endpoint": server.url(), "pollInterval": "100ms"},
        "secureJsonData": {"accessKey": "AKIDTEST", "secretKey": "s3cret-key"}
    }))
}

fn api(server: &Kinesalite) -> KinesisApi {
    KinesisApi::new(
        KinesisConfig::from_datasource(&ds(server)).unwrap(),
        reqwest::Client::new(),
    )
}

async fn create_stream(server: &Kinesalite, stream: &str, shards: u32) {
    api(server)
        .call(
            "CreateStream",
            &json!({"StreamName": stream, "ShardCount": shards}),
        )
        .await
        .expect("create stream");
}

async fn put(server: &Kinesalite, stream: &str, key: &str, data: &[u8]) {
    let data = base64::engine::general_purpose::STANDARD.encode(data);
    api(server)
        .call(
            "PutRecord",
            &json!({"StreamName": stream, "PartitionKey": key, "Data": data}),
        )
        .await
        .expect("put record");
}

fn start(
    source: &Arc<KinesisSource>,
    target: Value,
) -> (mpsc::Receiver<SourceEvent>, CancellationToken) {
    let (tx, rx) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let (s, c) = (source.clone(), cancel.clone());
    tokio::spawn(async move { s.subscribe(&target, tx, c).await });
    (rx, cancel)
}

async fn status(rx: &mut mpsc::Receiver<SourceEvent>, want: bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(SourceEvent::Status { up, message })) if up == want => return message,
            Ok(Some(_)) => {}
            Ok(None) => panic!("subscription ended"),
            Err(_) => panic!("no status up={want} within 30s"),
        }
    }
}

/// Values and labels of frames until `n` values arrived.
async fn values(rx: &mut mpsc::Receiver<SourceEvent>, n: usize) -> Vec<(Option<String>, f64)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut out = Vec::new();
    while out.len() < n {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(SourceEvent::Frame { series, .. })) => {
                for s in series {
                    for v in &s.v {
                        out.push((s.labels.get("key").map(str::to_owned), *v));
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("subscription ended"),
            Err(_) => panic!("only {out:?} within 15s"),
        }
    }
    out.sort_by(|a, b| a.1.total_cmp(&b.1));
    out
}

/// Region, endpoint and keys come from the provisioning; missing keys name the field.
#[test]
fn config_from_provisioning() {
    let c = KinesisConfig::from_datasource(&datasource(json!({
        "name": "k", "type": "kinesis", "jsonData": {"defaultRegion": "eu-west-1"},
        "secureJsonData": {"accessKey": "AK", "secretKey": "s3cret"}
    })))
    .unwrap();
    assert_eq!(c.endpoint(), "https://kinesis.eu-west-1.amazonaws.com/");
    assert_eq!(c.poll_interval_ms, 200);
    assert!(!format!("{c:?}").contains("s3cret"));
    let bad = KinesisConfig::from_datasource(&datasource(json!({
        "name": "k", "type": "kinesis", "jsonData": {"endpoint": "localhost"},
        "secureJsonData": {"accessKey": "AK", "secretKey": "s"}
    })))
    .unwrap_err()
    .to_string();
    assert!(bad.contains("`jsonData.endpoint`"), "{bad}");
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        let missing =
            KinesisConfig::from_datasource(&datasource(json!({"name": "k", "type": "kinesis"})))
                .unwrap_err()
                .to_string();
        assert!(missing.contains("`secureJsonData.accessKey`"), "{missing}");
    }
}

/// Records on every shard arrive, decoded, labelled with their partition key; query_range
/// answers from them; a bad record is reported and skipped.
#[tokio::test]
async fn reads_all_shards_with_partition_key_labels() {
    let server = Kinesalite::start().expect("start kinesalite");
    let stream = unique("readings");
    create_stream(&server, &stream, 3).await;
    let source = Arc::new(KinesisSource::new(&ds(&server), reqwest::Client::new()).unwrap());
    let target = json!({"stream": stream, "field": "v", "labelFromPartitionKey": "key"});
    let (mut rx, cancel) = start(&source, target.clone());
    let up = status(&mut rx, true).await;
    assert!(up.contains("3 shards"), "{up}");
    put(&server, &stream, "boiler-1", br#"{"v": 1}"#).await;
    put(&server, &stream, "boiler-2", br#"{"v": 2}"#).await;
    put(&server, &stream, "boiler-3", b"oops").await;
    put(&server, &stream, "boiler/4", br#"{"v": 4}"#).await;
    let got = values(&mut rx, 3).await;
    assert_eq!(
        got,
        [
            (Some("boiler-1".to_owned()), 1.0),
            (Some("boiler-2".to_owned()), 2.0),
            (Some("boiler/4".to_owned()), 4.0)
        ]
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while source
        .stats()
        .bad_messages
        .load(std::sync::atomic::Ordering::Relaxed)
        != 1
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the bad record is counted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let answer = source
        .query_range(&request(target, 0, i64::MAX, 1000))
        .await
        .unwrap();
    assert_eq!(answer.len(), 3);
    cancel.cancel();
}

/// `startTime` reads records put before the subscription.
#[tokio::test]
async fn start_time_reads_earlier_records() {
    let server = Kinesalite::start().expect("start kinesalite");
    let stream = unique("history");
    create_stream(&server, &stream, 1).await;
    put(&server, &stream, "k", b"5").await;
    let source = Arc::new(KinesisSource::new(&ds(&server), reqwest::Client::new()).unwrap());
    let (mut rx, cancel) = start(&source, json!({"stream": stream, "startTime": "now-5m"}));
    assert_eq!(values(&mut rx, 1).await, [(None, 5.0)]);
    cancel.cancel();
}

/// Two subscriptions of one stream share one poller, which stops when both leave.
#[tokio::test]
async fn shares_one_poller_per_stream() {
    let server = Kinesalite::start().expect("start kinesalite");
    let stream = unique("shared");
    create_stream(&server, &stream, 1).await;
    let source = Arc::new(KinesisSource::new(&ds(&server), reqwest::Client::new()).unwrap());
    let (mut rx1, cancel1) = start(&source, json!({"stream": stream, "field": "a"}));
    let (mut rx2, cancel2) = start(&source, json!({"stream": stream, "field": "b"}));
    status(&mut rx1, true).await;
    status(&mut rx2, true).await;
    assert_eq!(source.running_pollers(), 1);
    put(&server, &stream, "k", br#"{"a": 1, "b": 2}"#).await;
    assert_eq!(values(&mut rx1, 1).await, [(None, 1.0)]);
    assert_eq!(values(&mut rx2, 1).await, [(None, 2.0)]);
    cancel1.cancel();
    cancel2.cancel();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while source.running_pollers() > 0 {
        assert!(std::time::Instant::now() < deadline, "poller still running");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Server gone: status down; back (stream recreated): status up and records flow again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovers_after_server_restart() {
    let mut server = Kinesalite::start().expect("start kinesalite");
    let stream = unique("restart");
    create_stream(&server, &stream, 1).await;
    let source = Arc::new(KinesisSource::new(&ds(&server), reqwest::Client::new()).unwrap());
    let (mut rx, cancel) = start(&source, json!({"stream": stream}));
    status(&mut rx, true).await;
    tokio::task::block_in_place(|| server.stop());
    let down = status(&mut rx, false).await;
    assert!(down.contains(&stream), "{down}");
    tokio::task::block_in_place(|| server.restart()).expect("restart");
    create_stream(&server, &stream, 1).await;
    status(&mut rx, true).await;
    put(&server, &stream, "k", b"9").await;
    assert_eq!(values(&mut rx, 1).await, [(None, 9.0)]);
    cancel.cancel();
}

/// No value arrives within `wait` (duplicates would).
async fn nothing_more(rx: &mut mpsc::Receiver<SourceEvent>, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(event) = tokio::time::timeout_at(deadline, rx.recv()).await {
        if let Some(SourceEvent::Frame { series, .. }) = event {
            let extra: Vec<f64> = series.iter().flat_map(|s| s.v.clone()).collect();
            assert!(extra.is_empty(), "unexpected values {extra:?}");
        }
    }
}

/// Records put while the poller is away (server down, then back with its data before the
/// poller reconnects) arrive once each: the shard resumes after its last record read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_after_an_outage_without_loss_or_repeats() {
    let mut server = Kinesalite::start_persistent().expect("start kinesalite");
    let stream = unique("outage");
    create_stream(&server, &stream, 1).await;
    // A long reconnect delay: the records are put before the poller comes back.
    let source = Arc::new(
        KinesisSource::new(&ds(&server), reqwest::Client::new())
            .unwrap()
            .with_backoff(crate::broker::Backoff::new(
                Duration::from_secs(12),
                Duration::from_secs(12),
            )),
    );
    let (mut rx, cancel) = start(&source, json!({"stream": stream}));
    status(&mut rx, true).await;
    put(&server, &stream, "k1", b"1").await;
    assert_eq!(values(&mut rx, 1).await, [(None, 1.0)]);
    tokio::task::block_in_place(|| server.stop());
    status(&mut rx, false).await;
    let down_at = std::time::Instant::now();
    tokio::task::block_in_place(|| server.restart()).expect("restart");
    for (i, key) in ["k1", "k2", "k3", "k4", "k5", "k6"].iter().enumerate() {
        put(&server, &stream, key, (i + 2).to_string().as_bytes()).await;
    }
    // The poller waits at least 6 s (half the nominal delay) before it reconnects.
    assert!(
        down_at.elapsed() < Duration::from_secs(6),
        "the records were put only {:?} after the outage began: the poller may be back",
        down_at.elapsed()
    );
    status(&mut rx, true).await;
    let got: Vec<f64> = values(&mut rx, 6)
        .await
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(got, [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
    nothing_more(&mut rx, Duration::from_secs(1)).await;
    cancel.cancel();
}

/// A resume point the stream no longer has (the stream was recreated) falls back to the
/// shard's oldest record, and a status says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_resume_point_falls_back_to_the_oldest_record() {
    let mut server = Kinesalite::start().expect("start kinesalite");
    let stream = unique("recreated");
    create_stream(&server, &stream, 1).await;
    let source = Arc::new(KinesisSource::new(&ds(&server), reqwest::Client::new()).unwrap());
    let (mut rx, cancel) = start(&source, json!({"stream": stream}));
    status(&mut rx, true).await;
    put(&server, &stream, "k", b"1").await;
    assert_eq!(values(&mut rx, 1).await, [(None, 1.0)]);
    tokio::task::block_in_place(|| server.stop());
    status(&mut rx, false).await;
    tokio::task::block_in_place(|| server.restart()).expect("restart");
    // kinesalite's sequence numbers carry the shard's creation second: a stream recreated within
    // the same second would accept the old one (real Kinesis would not).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    create_stream(&server, &stream, 1).await;
    put(&server, &stream, "k", b"2").await;
    let mut fallback = status(&mut rx, true).await;
    while !fallback.contains("TRIM_HORIZON") {
        fallback = status(&mut rx, true).await;
    }
    assert!(fallback.contains("shardId-000000000000"), "{fallback}");
    assert_eq!(values(&mut rx, 1).await, [(None, 2.0)]);
    nothing_more(&mut rx, Duration::from_millis(500)).await;
    cancel.cancel();
}

/// After a reshard (SplitShard) the parent is read to its end, then its children from their
/// first record: every record arrives once.
#[tokio::test]
async fn follows_a_reshard_to_the_child_shards() {
    let server = Kinesalite::start().expect("start kinesalite");
    let stream = unique("reshard");
    create_stream(&server, &stream, 1).await;
    let source = Arc::new(KinesisSource::new(&ds(&server), reqwest::Client::new()).unwrap());
    let (mut rx, cancel) = start(&source, json!({"stream": stream}));
    let up = status(&mut rx, true).await;
    assert!(up.contains("1 shards"), "{up}");
    put(&server, &stream, "a", b"1").await;
    assert_eq!(values(&mut rx, 1).await, [(None, 1.0)]);
    api(&server)
        .call(
            "SplitShard",
            &json!({"StreamName": stream, "ShardToSplit": "shardId-000000000000",
                    "NewStartingHashKey": "170141183460469231731687303715884105728"}),
        )
        .await
        .expect("split shard");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let summary = api(&server)
            .call("DescribeStreamSummary", &json!({"StreamName": stream}))
            .await
            .expect("describe stream");
        if summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{summary}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (i, key) in ["a", "b", "c", "d", "e", "f"].iter().enumerate() {
        put(&server, &stream, key, (i + 2).to_string().as_bytes()).await;
    }
    let got: Vec<f64> = values(&mut rx, 6)
        .await
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(got, [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
    nothing_more(&mut rx, Duration::from_secs(1)).await;
    cancel.cancel();
}
