//! The Prometheus source against real servers: Prometheus and VictoriaMetrics with data the
//! tests write, their errors, a server that is down, and what is sent (auth, method).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;

use serde_json::{Value, json};

use super::PrometheusSource;
use crate::error::SourceError;
use crate::source::{LiveMode, Source};
use crate::testing::{datasource, now_aligned, prometheus, request, unique, victoria_metrics};

const STEP: i64 = 15_000;
const POINTS: i64 = 20;

fn source(url: &str) -> PrometheusSource {
    PrometheusSource::new(
        &datasource(json!({"name": "prom", "type": "prometheus", "uid": "prom", "url": url})),
        reqwest::Client::new(),
    )
    .expect("a valid datasource")
}

/// The value of site `north` (`i * 1.5`) and `south` (`100 + i`) at step `i`.
fn expected(site: &str, i: i64) -> f64 {
    if site == "north" {
        i as f64 * 1.5
    } else {
        100.0 + i as f64
    }
}

/// The same queries give the same series on Prometheus and VictoriaMetrics: names from
/// `legendFormat` or the metric name, labels, step-aligned timestamps and the written values;
/// instant queries give one point at the end of the range.
async fn check_queries(source: &PrometheusSource, metric: &str, t0: i64) {
    let t_end = t0 + (POINTS - 1) * STEP;
    let range = |target: Value| request(target, t0, t_end, STEP);

    let plain = source
        .query_range(&range(json!({"expr": metric})))
        .await
        .unwrap();
    assert_eq!(plain.len(), 2, "{plain:?}");
    for s in &plain {
        assert_eq!(s.name, metric);
        let site = s.labels.get("site").expect("site label");
        assert_eq!(s.labels.len(), 1, "only `site`: {:?}", s.labels);
        let times: Vec<i64> = (0..POINTS).map(|i| t0 + i * STEP).collect();
        assert_eq!(s.t, times, "{site}");
        let values: Vec<f64> = (0..POINTS).map(|i| expected(site, i)).collect();
        assert_eq!(s.v, values, "{site}");
    }

    let legend = json!({"expr": format!("max_over_time({metric}[$__interval])"),
                        "legendFormat": "{{site}} pressure", "refId": "A"});
    let mut by_legend = source.query_range(&range(legend)).await.unwrap();
    by_legend.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = by_legend.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["north pressure", "south pressure"]);
    assert_eq!(by_legend[0].v.last(), Some(&expected("north", POINTS - 1)));

    let instant = json!({"expr": format!("sum by (site) ({metric})"), "instant": true});
    let mut instant = source.query_range(&range(instant)).await.unwrap();
    instant.sort_by(|a, b| a.labels.cmp(&b.labels));
    assert_eq!(instant.len(), 2);
    assert_eq!(instant[0].name, r#"{site="north"}"#);
    assert_eq!(
        (instant[0].t.clone(), instant[0].v.clone()),
        (vec![t_end], vec![expected("north", POINTS - 1)])
    );
    assert_eq!(instant[1].v, vec![expected("south", POINTS - 1)]);
}

/// Queries real data written to Prometheus (remote write) at known timestamps.
#[tokio::test]
async fn queries_prometheus() {
    let server = prometheus();
    let metric = unique("pulsegrid_pressure");
    let t0 = now_aligned(STEP) - 10 * 60_000;
    for site in ["north", "south"] {
        let samples: Vec<(i64, f64)> = (0..POINTS)
            .map(|i| (t0 + i * STEP, expected(site, i)))
            .collect();
        server
            .remote_write(&[("__name__", &metric), ("site", site)], &samples)
            .expect("remote write");
    }
    check_queries(&source(&server.url()), &metric, t0).await;
}

/// The same queries on VictoriaMetrics (data imported in Prometheus' text format).
#[tokio::test]
async fn queries_victoria_metrics() {
    let server = victoria_metrics();
    let metric = unique("pulsegrid_pressure");
    let t0 = now_aligned(STEP) - 10 * 60_000;
    let mut text = String::new();
    for site in ["north", "south"] {
        for i in 0..POINTS {
            text.push_str(&format!(
                "{metric}{{site=\"{site}\"}} {} {}\n",
                expected(site, i),
                t0 + i * STEP
            ));
        }
    }
    server.import_prometheus(&text).expect("import");
    check_queries(&source(&server.url()), &metric, t0).await;
}

/// A bad expression is an upstream error with the server's own message, on both servers.
#[tokio::test]
async fn bad_query_carries_the_server_message() {
    for url in [prometheus().url(), victoria_metrics().url()] {
        let err = source(&url)
            .query_range(&request(json!({"expr": "sum(rate(x[5m]"}), 0, 60_000, STEP))
            .await
            .unwrap_err();
        let SourceError::Upstream {
            source_name,
            message,
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(source_name, "prom");
        assert!(message.contains("parse"), "{url}: {message}");
    }
}

/// A server that is down is an upstream error naming its address.
#[tokio::test]
async fn server_down_names_the_address() {
    let port = pulsegrid_testkit::free_port();
    let err = source(&format!("http://127.0.0.1:{port}"))
        .query_range(&request(json!({"expr": "up"}), 0, 60_000, STEP))
        .await
        .unwrap_err();
    let SourceError::Upstream { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.to_lowercase().contains("refused"), "{message}");
}

/// Basic auth and custom headers are sent, GET puts the query in the URL, the step is
/// rounded to seconds and at least `timeInterval`; no secret appears in an error.
#[tokio::test]
async fn sends_auth_headers_and_step() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut requests = Vec::new();
        for (i, stream) in listener.incoming().take(2).enumerate() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|n| n.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            requests.push(head);
            let answer = if i == 0 {
                r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#
            } else {
                r#"{"status":"error","errorType":"execution","error":"query timed out"}"#
            };
            let status = if i == 0 {
                "200 OK"
            } else {
                "503 Service Unavailable"
            };
            write!(stream, "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}", answer.len()).unwrap();
        }
        requests
    });
    let ds = datasource(json!({
        "name": "prom", "type": "prometheus", "url": format!("http://127.0.0.1:{port}/"),
        "basicAuth": true, "basicAuthUser": "bob",
        "jsonData": {"httpMethod": "GET", "timeInterval": "30s", "httpHeaderName1": "X-Scope-OrgID"},
        "secureJsonData": {"basicAuthPassword": "s3cret", "httpHeaderValue1": "tenant-1"}
    }));
    let source = PrometheusSource::new(&ds, reqwest::Client::new()).unwrap();
    assert_eq!(
        source.live_mode(&json!({}), 5_000),
        LiveMode::Poll { every_ms: 30_000 }
    );
    let req = request(json!({"expr": "up"}), 1_000_000, 1_300_000, 2_500);
    assert_eq!(source.step_ms(&req).unwrap(), 30_000);
    assert!(source.query_range(&req).await.unwrap().is_empty());
    let err = source.query_range(&req).await.unwrap_err();
    assert!(
        err.to_string().contains("execution: query timed out"),
        "{err}"
    );
    assert!(!err.to_string().contains("s3cret"));
    let requests = server.join().unwrap();
    let first = &requests[0];
    assert!(
        first.starts_with("GET /api/v1/query_range?query=up&start=990&end=1300&step=30 "),
        "{first}"
    );
    // base64("bob:s3cret")
    assert!(
        first.contains("authorization: Basic Ym9iOnMzY3JldA=="),
        "{first}"
    );
    assert!(
        first.to_lowercase().contains("x-scope-orgid: tenant-1"),
        "{first}"
    );
    let one_second = request(json!({"expr": "up", "interval": ""}), 0, 60_000, 1_500);
    let plain = PrometheusSource::new(
        &datasource(json!({"name": "p", "type": "prometheus", "url": "http://x"})),
        reqwest::Client::new(),
    )
    .unwrap();
    assert_eq!(plain.step_ms(&one_second).unwrap(), 2_000);
    assert_eq!(
        plain.step_ms(&request(json!({}), 0, 60_000, 100)).unwrap(),
        1_000
    );
}
