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
