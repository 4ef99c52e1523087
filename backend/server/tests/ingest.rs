//! Push ingest over real HTTP: Influx line protocol on /write and /api/v2/write (also from the
//! official Python client), Grafana Live push, errors with line numbers, size limits, auth,
//! overload answered with 503 + Retry-After, and durability across restart and `kill -9`.

mod common;

use std::io::Write;
use std::process::Command;

use common::{TestServer, client, token};
use serde_json::{Value, json};

/// Range-queries the `pulsegrid` source through `/api/ds/query`.
async fn query(server: &TestServer, expr: &str) -> Value {
    let body: Value = client()
        .post(server.at("/api/ds/query"))
        .json(&json!({"from": "now-1h", "to": "now+1h",
                      "queries": [{"refId": "A", "datasource": {"uid": "pulsegrid"}, "expr": expr}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["results"]["A"]["series"].clone()
}

fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i128
}

/// `/write?db=` with a token: 204, and the series follows DESIGN's naming rule.
#[tokio::test]
async fn v1_write_then_query() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    let t = now_ns();
    let body = format!(
        "line_pressure,site=north value=7.25 {t}\nline_pressure,site=south value=6.5,temp=21i {t}\n# comment\n\n"
    );
    let resp = client()
        .post(server.at("/write?db=plant"))
        .header("Authorization", format!("Token {editor}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204, "{}", resp.text().await.unwrap());
    let series = query(&server, "line_pressure{site=\"north\"}").await;
    assert_eq!(series.as_array().unwrap().len(), 1, "{series}");
    assert_eq!(series[0]["name"], "line_pressure");
    assert_eq!(series[0]["labels"], json!({"site": "north"}));
    assert_eq!(series[0]["v"], json!([7.25]));
    assert_eq!(series[0]["t"][0].as_i64().unwrap(), (t / 1_000_000) as i64);
    let temp = query(&server, "line_pressure_temp").await;
    assert_eq!(temp[0]["v"], json!([21.0]));
    let all = query(&server, "{__name__=~\"line_.*\"}").await;
    assert_eq!(all.as_array().unwrap().len(), 3);
}

/// `/api/v2/write` with a gzip body and second precision; `/api/live/push/{stream}`.
#[tokio::test]
async fn v2_gzip_and_live_push() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    let secs = now_ns() / 1_000_000_000;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    writeln!(gz, "boiler,plant=a temp=80.5 {secs}").unwrap();
    let resp = client()
        .post(server.at("/api/v2/write?org=x&bucket=plant&precision=s"))
        .header("Authorization", format!("Token {editor}"))
        .header("Content-Encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204, "{}", resp.text().await.unwrap());
    assert_eq!(query(&server, "boiler_temp").await[0]["v"], json!([80.5]));

    let resp = client()
        .post(server.at("/api/live/push/line1"))
        .bearer_auth(&editor)
        .body(format!("speed value=3 {}", now_ns()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(query(&server, "speed").await[0]["v"], json!([3.0]));
}

/// Bad lines get 400 with their line numbers; the good lines of the batch are still written.
#[tokio::test]
async fn bad_lines_are_400_with_line_numbers_and_good_lines_kept() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    let t = now_ns();
    let body =
        format!("good value=1 {t}\nbad value= {t}\nalso_good value=2 {t}\nworse,tag value=1\n");
    let resp = client()
        .post(server.at("/write?db=plant"))
        .bearer_auth(&editor)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let error: Value = resp.json().await.unwrap();
    let message = error["error"].as_str().unwrap();
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("line 4"), "{message}");
    assert_eq!(query(&server, "good").await[0]["v"], json!([1.0]));
    assert_eq!(query(&server, "also_good").await[0]["v"], json!([2.0]));

    let resp = client()
        .post(server.at("/api/v2/write?bucket=b&precision=fortnights"))
        .bearer_auth(&editor)
        .body("x value=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let error: Value = resp.json().await.unwrap();
    assert_eq!(error["code"], "invalid");
    let resp = client()
        .post(server.at("/write"))
        .bearer_auth(&editor)
        .body("x value=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "db is required");
}

/// Writes need the editor role; Influx 1.x `?u=&p=` credentials are accepted.
#[tokio::test]
async fn writes_need_auth() {
    let server = TestServer::start();
    let resp = client()
        .post(server.at("/write?db=plant"))
        .body("x value=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let viewer = token(&server, "viewer").await;
    let resp = client()
        .post(server.at("/write?db=plant"))
        .bearer_auth(&viewer)
        .body("x value=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let editor = token(&server, "editor").await;
    let resp = client()
        .post(server.at(&format!("/write?db=plant&u=&p={editor}")))
        .body("x value=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let resp = client()
        .post(server.at(&format!(
            "/write?db=plant&u=admin&p={}",
            common::ADMIN_PASSWORD
        )))
        .body("x value=2")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}

/// Bodies over the limit get 413, also when they only grow that large once un-gzipped.
#[tokio::test]
async fn huge_bodies_are_413() {
    let server = TestServer::builder()
        .env("PULSEGRID_MAX_BODY_BYTES", "65536")
        .start();
    let editor = token(&server, "editor").await;
    let big = "x value=1\n".repeat(10_000);
    let resp = client()
        .post(server.at("/write?db=p"))
        .bearer_auth(&editor)
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(big.repeat(10).as_bytes()).unwrap();
    let resp = client()
        .post(server.at("/write?db=p"))
        .bearer_auth(&editor)
        .header("Content-Encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
}

/// A burst beyond what the write-ahead log absorbs gets 503 with Retry-After, never unbounded
/// memory; what was acknowledged is stored.
#[tokio::test]
async fn burst_gets_503_with_retry_after() {
    let server = TestServer::builder()
        .env("PULSEGRID_INGEST_MAX_PENDING_BYTES", "1")
        .start();
    let editor = token(&server, "editor").await;
    let batch: String = (0..2000)
        .map(|i| format!("burst,i={} value={i}\n", i % 50))
        .collect();
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let req = client()
            .post(server.at("/write?db=burst"))
            .bearer_auth(&editor)
            .body(batch.clone());
        tasks.push(tokio::spawn(async move { req.send().await.unwrap() }));
    }
    let mut accepted = 0;
    let mut refused = 0;
    for t in tasks {
        let resp = t.await.unwrap();
        match resp.status().as_u16() {
            204 => accepted += 1,
            503 => {
                assert!(resp.headers().contains_key("retry-after"));
                refused += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(refused > 0, "no 503 in a burst of 32 with a 1-byte buffer");
    assert!(accepted + refused == 32);
}

/// Ingested history survives a clean restart.
#[tokio::test]
async fn restart_keeps_ingested_history() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::builder().data_dir(data.path()).start();
    let editor = token(&server, "editor").await;
    let t = now_ns();
    let body: String = (0..100)
        .map(|i| format!("kept,n=a value={i} {}\n", t + i * 1_000_000))
        .collect();
    let resp = client()
        .post(server.at("/write?db=k"))
        .bearer_auth(&editor)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(server.terminate().success());
    let server = TestServer::builder().data_dir(data.path()).start();
    let series = query(&server, "kept").await;
    assert_eq!(series[0]["v"].as_array().unwrap().len(), 100);
}

/// Every point acknowledged before `kill -9` is there after restart.
#[tokio::test]
async fn kill_9_loses_no_acknowledged_point() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::builder().data_dir(data.path()).start();
    let editor = token(&server, "editor").await;
    let t = now_ns();
    let mut acked = 0;
    for batch in 0..20 {
        let body: String = (0..50)
            .map(|i| {
                let n = batch * 50 + i;
                format!("durable value={n} {}\n", t + n as i128 * 1_000_000)
            })
            .collect();
        let resp = client()
            .post(server.at("/write?db=d"))
            .bearer_auth(&editor)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204);
        acked += 50;
    }
    server.kill9();
    let server = TestServer::builder().data_dir(data.path()).start();
    let series = query(&server, "durable").await;
    assert_eq!(series[0]["v"].as_array().unwrap().len(), acked);
}

/// The official `influxdb-client` Python library writes to Pulsegrid unchanged.
#[tokio::test]
async fn official_python_client_writes() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    let script = r#"
import sys
from influxdb_client import InfluxDBClient, Point, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS
url, token = sys.argv[1], sys.argv[2]
with InfluxDBClient(url=url, token=token, org="plant") as client:
    api = client.write_api(write_options=SYNCHRONOUS)
    api.write(bucket="plant", record=Point("line_pressure").tag("site", "north").field("value", 7.25))
    api.write(bucket="plant", record="line_pressure,site=south value=6.5", write_precision=WritePrecision.NS)
print("ok")
"#;
    let out = Command::new("python3")
        .args(["-c", script, &server.url, &editor])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python client failed (is influxdb-client installed? scripts/test.sh installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let north = query(&server, "line_pressure{site=\"north\"}").await;
    assert_eq!(north[0]["v"], json!([7.25]));
    let south = query(&server, "line_pressure{site=\"south\"}").await;
    assert_eq!(south[0]["v"], json!([6.5]));
}

/// Beyond `ingest_max_series`, writes of new series are refused with 400 naming the limit,
/// never by growing memory; existing series still take points.
#[tokio::test]
async fn series_limit_is_400() {
    let server = TestServer::builder()
        .env("PULSEGRID_INGEST_MAX_SERIES", "40")
        .env("PULSEGRID_OWN_METRICS_INTERVAL", "1h")
        .start();
    let editor = token(&server, "editor").await;
    let resp = client()
        .post(server.at("/write?db=lim"))
        .bearer_auth(&editor)
        .body("a value=1\nb value=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let many: String = (0..100).map(|i| format!("s{i} value=1\n")).collect();
    let resp = client()
        .post(server.at("/write?db=lim"))
        .bearer_auth(&editor)
        .body(many)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("40"), "{body}");
    let resp = client()
        .post(server.at("/write?db=lim"))
        .bearer_auth(&editor)
        .body("a value=2")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}
