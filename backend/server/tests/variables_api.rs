//! `POST /api/variables/query`: query variable options from a real Prometheus
//! (`label_values`, `label_names`, `metrics`, `query_result`), from ingested series on the
//! `pulsegrid` source, and from `testdata`; bad queries and unknown datasources are 400s.

mod common;

use common::{TestServer, client, token};
use pulsegrid_testkit::PrometheusServer;
use serde_json::{Value, json};

async fn values(server: &TestServer, body: Value) -> (u16, Value) {
    let resp = client()
        .post(server.at("/api/variables/query"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

fn texts(body: &Value) -> Vec<String> {
    body["values"]
        .as_array()
        .unwrap_or_else(|| panic!("no values: {body}"))
        .iter()
        .map(|v| {
            assert_eq!(v["text"], v["value"]);
            v["value"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A server with a Prometheus datasource `prom` holding `pg_var_temp` for three instances
/// of job `plant` and one of job `lab`.
fn prometheus_server() -> (TestServer, PrometheusServer, tempfile::TempDir) {
    let prometheus = PrometheusServer::start(None).expect("start prometheus");
    let t = now_ms() - 60_000;
    for (job, instance, v) in [
        ("plant", "b:9100", 2.0),
        ("plant", "a:9100", 1.0),
        ("plant", "c:9100", 3.0),
        ("lab", "z:9100", 9.0),
    ] {
        prometheus
            .remote_write(
                &[
                    ("__name__", "pg_var_temp"),
                    ("job", job),
                    ("instance", instance),
                ],
                &[(t, v)],
            )
            .expect("remote write");
    }
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("datasources.yaml");
    std::fs::write(
        &ds,
        format!(
            "apiVersion: 1\ndatasources:\n  - name: Prom\n    type: prometheus\n    uid: prom\n    url: {}\n",
            prometheus.url()
        ),
    )
    .unwrap();
    let server = TestServer::builder()
        .env("PULSEGRID_DATASOURCES", ds.to_str().unwrap())
        .start();
    (server, prometheus, dir)
}

/// `label_values(label)` and `label_values(selector, label)`: sorted values of the label.
#[tokio::test]
async fn prometheus_label_values() {
    let (server, _prom, _dir) = prometheus_server();
    let query =
        |q: &str| json!({"datasource": {"uid": "prom"}, "query": q, "from": "now-1h", "to": "now"});
    let (status, body) = values(
        &server,
        query(r#"label_values(pg_var_temp{job="plant"}, instance)"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(texts(&body), ["a:9100", "b:9100", "c:9100"]);
    let (_, body) = values(&server, query("label_values(job)")).await;
    let jobs = texts(&body);
    assert!(
        jobs.contains(&"plant".to_owned()) && jobs.contains(&"lab".to_owned()),
        "{jobs:?}"
    );
    // By name as well as by uid.
    let (_, body) = values(
        &server,
        json!({"datasource": "Prom", "query": "label_values(pg_var_temp, job)"}),
    )
    .await;
    assert_eq!(texts(&body), ["lab", "plant"]);
}

/// `label_names()` / `label_names(selector)` and `metrics(regex)`.
#[tokio::test]
async fn prometheus_label_names_and_metrics() {
    let (server, _prom, _dir) = prometheus_server();
    let query = |q: &str| json!({"datasource": {"uid": "prom"}, "query": q});
    let (status, body) = values(&server, query("label_names(pg_var_temp)")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(texts(&body), ["__name__", "instance", "job"]);
    let (_, body) = values(&server, query("label_names()")).await;
    assert!(texts(&body).contains(&"job".to_owned()));
    let (_, body) = values(&server, query("metrics(^pg_var_)")).await;
    assert_eq!(texts(&body), ["pg_var_temp"]);
    let (_, body) = values(&server, query("metrics(var_te)")).await;
    assert_eq!(texts(&body), ["pg_var_temp"], "unanchored, as in Grafana");
}

/// `query_result(expr)`: each result as `name{labels} value timestamp_ms`.
#[tokio::test]
async fn prometheus_query_result() {
    let (server, _prom, _dir) = prometheus_server();
    let (status, body) = values(
        &server,
        json!({"datasource": {"uid": "prom"},
               "query": r#"query_result(pg_var_temp{job="plant", instance="a:9100"})"#}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let lines = texts(&body);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert!(
        line.starts_with(r#"pg_var_temp{instance="a:9100",job="plant"} 1 "#),
        "{line}"
    );
    let ts: i64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(
        (now_ms() - ts).abs() < 60_000,
        "evaluated at the range's end: {line}"
    );
    let (_, body) = values(
        &server,
        json!({"datasource": "prom", "query": "query_result(sum by (job) (pg_var_temp))"}),
    )
    .await;
    let lines = texts(&body);
    assert!(lines[0].starts_with(r#"{job="lab"} 9 "#), "{lines:?}");
    assert!(lines[1].starts_with(r#"{job="plant"} 6 "#), "{lines:?}");
}

/// Malformed queries, queries Prometheus rejects, unknown datasources and sources without
/// variable queries are 400s that say what was expected.
#[tokio::test]
async fn bad_variable_queries_are_400() {
    let (server, _prom, _dir) = prometheus_server();
    for (body, expected) in [
        (
            json!({"datasource": "prom", "query": "up"}),
            "expected label_values(label)",
        ),
        (
            json!({"datasource": "prom", "query": "label_values(up{, job)"}),
            "bad_data",
        ),
        (
            json!({"datasource": "prom", "query": "metrics(()"}),
            "invalid regex",
        ),
        (
            json!({"datasource": "nope", "query": "label_values(job)"}),
            "datasource: unknown datasource",
        ),
        (
            json!({"datasource": "prom", "query": "label_values(job)", "from": "soon"}),
            "from/to",
        ),
        (json!({"datasource": "prom"}), "query"),
    ] {
        let (status, answer) = values(&server, body.clone()).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(expected), "{body}: {message}");
    }
}

/// The `pulsegrid` source answers the same forms over ingested series; `testdata` answers
/// Grafana TestData's `A`, `B`, `C` tree.
#[tokio::test]
async fn pulsegrid_and_testdata_variables() {
    let server = TestServer::start();
    let editor = token(&server, "editor").await;
    let t = (now_ms() - 1_000) * 1_000_000;
    let resp = client()
        .post(server.at("/write?db=plant"))
        .bearer_auth(&editor)
        .body(format!(
            "line_pressure,site=south,unit=bar value=3 {t}\n\
             line_pressure,site=north,unit=bar value=7 {t}\n\
             line_temp,site=east value=20 {t}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let query = |q: &str| json!({"datasource": {"uid": "pulsegrid"}, "query": q});
    let (status, body) = values(&server, query("label_values(line_pressure, site)")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(texts(&body), ["north", "south"]);
    let (_, body) = values(&server, query("label_values(site)")).await;
    assert_eq!(texts(&body), ["east", "north", "south"]);
    let (_, body) = values(&server, query("label_names(line_pressure)")).await;
    assert_eq!(texts(&body), ["__name__", "site", "unit"]);
    let (_, body) = values(&server, query("metrics(^line_)")).await;
    assert_eq!(texts(&body), ["line_pressure", "line_temp"]);
    let (_, body) = values(
        &server,
        query(r#"query_result(line_pressure{site="north"})"#),
    )
    .await;
    assert_eq!(
        texts(&body),
        [format!(
            r#"line_pressure{{site="north",unit="bar"}} 7 {}"#,
            t / 1_000_000
        )]
    );
    let (status, body) = values(&server, query("label_values(line_pressure{, site)")).await;
    assert_eq!(status, 400, "{body}");

    let testdata = |q: &str| json!({"datasource": {"uid": "testdata"}, "query": q});
    let (_, body) = values(&server, testdata("*")).await;
    assert_eq!(texts(&body), ["A", "B", "C"]);
    let (_, body) = values(&server, testdata("a.*")).await;
    assert_eq!(texts(&body), ["AA", "AB", "AC"]);
}
