//! A dashboard panel on a Kinesis stream (kinesalite): records put with an independent client
//! (boto3, the AWS SDK for Python) reach a WebSocket subscriber, labelled with their partition
//! key; the server going away under a live panel is a `status` down, and its return on the same
//! port (stream recreated) a `status` up.

mod common;

use std::process::Command;

use common::TestServer;
use common::live::{frame_where, plant_server, subscribe, values};

use pulsegrid_testkit::Kinesalite;
use serde_json::{Value, json};

/// A pulsegrid server with a Kinesis datasource and a dashboard with `targets` as panels 1, 2...
fn pulsegrid(kinesis: &Kinesalite, targets: &[Value]) -> (TestServer, tempfile::TempDir) {
    let settings = format!(
        "    jsonData:\n      defaultRegion: us-east-1\n      endpoint: {}\n    secureJsonData:\n      accessKey: AKIDTEST\n      secretKey: test-secret\n",
        kinesis.url()
    );
    plant_server("kinesis", &settings, targets)
}

/// Runs boto3 against kinesalite: `create STREAM SHARDS` or `put STREAM KEY DATA`.
fn boto3(kinesis: &Kinesalite, args: &[&str]) {
    const SCRIPT: &str = r#"
import sys, boto3
client = boto3.client("kinesis", endpoint_url=sys.argv[1], region_name="us-east-1",
                      aws_access_key_id="AKIDTEST", aws_secret_access_key="test-secret")
if sys.argv[2] == "create":
    client.create_stream(StreamName=sys.argv[3], ShardCount=int(sys.argv[4]))
    client.get_waiter("stream_exists").wait(StreamName=sys.argv[3],
                                            WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
else:
    client.put_record(StreamName=sys.argv[3], PartitionKey=sys.argv[4], Data=sys.argv[5].encode())
"#;
    let url = kinesis.url();
    let out = Command::new("python3")
        .args(["-c", SCRIPT, &url])
        .args(args)
        .output()
        .expect("python3 (boto3: pip install boto3; scripts/test.sh does)");
    if !out.status.success() {
        eprintln!(
            "boto3 {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Records put with boto3 on a two-shard stream reach the panel, labelled by partition key.
#[tokio::test]
async fn put_records_reach_the_panel() {
    let kinesis = Kinesalite::start().expect("kinesalite");
    boto3(&kinesis, &["create", "plant-readings", "2"]);
    let (server, _dir) = pulsegrid(
        &kinesis,
        &[json!({"stream": "plant-readings", "field": "v", "labelFromPartitionKey": "line"})],
    );
    let mut ws = subscribe(&server, 1).await;
    let frame = frame_where(
        &mut ws,
        30,
        || {
            boto3(
                &kinesis,
                &["put", "plant-readings", "l7", r#"{"v": 42.25}"#],
            )
        },
        |f| f["op"] == "frame" && values(f).contains(&42.25),
    )
    .await;
    assert_eq!(frame["series"][0]["labels"], json!({"line": "l7"}));
    assert_eq!(frame["series"][0]["name"], "plant-readings");
}

/// kinesalite stops under a live panel: a `status` down frame; it restarts on the same port
/// and the stream is recreated: a `status` up frame, and a newly put record arrives.
#[tokio::test]
async fn server_restart_is_reported_and_recovered() {
    let mut kinesis = Kinesalite::start().expect("kinesalite");
    boto3(&kinesis, &["create", "plant-pressure", "1"]);
    let (server, _dir) = pulsegrid(&kinesis, &[json!({"stream": "plant-pressure"})]);
    let mut ws = subscribe(&server, 1).await;
    frame_where(
        &mut ws,
        30,
        || boto3(&kinesis, &["put", "plant-pressure", "k", "7.5"]),
        |f| f["op"] == "frame" && values(f).contains(&7.5),
    )
    .await;
    kinesis.stop();
    let down = frame_where(&mut ws, 30, || {}, |f| f["op"] == "status").await;
    assert_eq!(down["source"], "down", "{down}");
    kinesis.restart().expect("restart kinesalite");
    boto3(&kinesis, &["create", "plant-pressure", "1"]);
    let up = frame_where(
        &mut ws,
        60,
        || {},
        |f| f["op"] == "status" && f["source"] == "up",
    )
    .await;
    assert_eq!(up["source"], "up", "{up}");
    frame_where(
        &mut ws,
        30,
        || boto3(&kinesis, &["put", "plant-pressure", "k", "8.75"]),
        |f| f["op"] == "frame" && values(f).contains(&8.75),
    )
    .await;
}
