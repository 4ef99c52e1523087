//! A dashboard panel on a real Prometheus: 20 WebSocket clients watching the same panel cause
//! one upstream query per refresh interval, counted by Prometheus itself; an alert rule on the
//! same query rides the panel's query instead of adding its own.

mod common;

use std::time::Duration;

use common::{TestServer, client};
use futures_util::{SinkExt, StreamExt};
use pulsegrid_testkit::PrometheusServer;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// Prometheus' own count of `query_range` requests it has answered.
async fn query_range_count(prometheus: &PrometheusServer) -> f64 {
    let body: Value = client()
        .get(format!(
            "{}/api/v1/query?query=sum(prometheus_http_requests_total{{handler=\"/api/v1/query_range\"}})",
            prometheus.url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"]["result"][0]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Prometheus, a dashboard with a panel on `up` refreshed every second, and the server
/// (with `rules` as its rules directory, if given).
fn start(rules: Option<&str>) -> (PrometheusServer, tempfile::TempDir, TestServer) {
    let prometheus = PrometheusServer::start(None).expect("start prometheus");
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("datasources.yaml");
    std::fs::write(
        &ds,
        format!(
            "apiVersion: 1\ndatasources:\n  - name: Prom\n    type: prometheus\n    uid: prom\n    url: {}\n    jsonData:\n      timeInterval: 1s\n",
            prometheus.url()
        ),
    )
    .unwrap();
    let dashboards = dir.path().join("dashboards");
    std::fs::create_dir(&dashboards).unwrap();
    std::fs::write(
        dashboards.join("prom.json"),
        json!({"uid": "prom", "title": "Prom", "refresh": "1s", "panels": [
            {"id": 1, "type": "timeseries", "datasource": {"type": "prometheus", "uid": "prom"},
             "targets": [{"refId": "A", "expr": "up", "legendFormat": "{{job}}"}]}
        ]})
        .to_string(),
    )
    .unwrap();
    let mut builder = TestServer::builder()
        .dashboards(&dashboards)
        .env("PULSEGRID_DATASOURCES", ds.to_str().unwrap());
    if let Some(rules) = rules {
        let dir_rules = dir.path().join("alert-rules");
        std::fs::create_dir(&dir_rules).unwrap();
        std::fs::write(dir_rules.join("prom.yml"), rules).unwrap();
        builder = builder.rules(&dir_rules);
    }
    (prometheus, dir, builder.start())
}

/// 20 clients subscribed to the panel, each past its first frame with data.
async fn twenty_clients(server: &TestServer) -> Vec<Ws> {
    let url = format!("{}/api/live/ws", server.url.replace("http://", "ws://"));
    let mut sockets = Vec::new();
    for i in 0..20 {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connect");
        let sub = json!({"op": "subscribe", "sub": format!("c{i}"), "dashboard": "prom", "panel": 1, "from": "now-5m", "to": "now"});
        ws.send(Message::text(sub.to_string())).await.unwrap();
        sockets.push(ws);
    }
    // Every client gets data once Prometheus has scraped itself (`up{job="prometheus"}`).
    for ws in &mut sockets {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
                .await
                .expect("frame in time")
                .expect("open")
                .expect("ok");
            if let Message::Text(text) = msg {
                let frame: Value = serde_json::from_str(&text).unwrap();
                assert_ne!(frame["op"], "error", "{frame}");
                if frame["op"] == "frame"
                    && frame["series"][0]["t"]
                        .as_array()
                        .is_some_and(|t| !t.is_empty())
                {
                    assert_eq!(frame["series"][0]["name"], "prometheus", "{frame}");
                    break;
                }
            }
        }
    }
    sockets
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[tokio::test]
async fn twenty_clients_one_upstream_query_per_interval() {
    let (prometheus, _dir, server) = start(None);
    let sockets = twenty_clients(&server).await;
    let before = query_range_count(&prometheus).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let during = query_range_count(&prometheus).await - before;
    eprintln!("upstream query_range calls in 5 s with 20 clients: {during}");
    // One poll per second for ~5 s, whatever the number of clients (20 clients polling
    // separately would be ~100). Prometheus' counter lags by its 1 s scrape, so allow slack.
    assert!(
        (2.0..=8.0).contains(&during),
        "{during} upstream query_range calls in 5 s for 20 clients"
    );
    drop(sockets);
}

/// A rule on the panel's query (same datasource and expression, its own legend aside) joins
/// the panel's topic: with the rule evaluating every second and 20 clients watching, Prometheus
/// still answers one `query_range` per second.
#[tokio::test]
async fn a_rule_on_a_panel_query_shares_its_upstream_query() {
    let rules = "groups:\n  - name: prom\n    interval: 1s\n    rules:\n      - alert: PrometheusDown\n        source: prom\n        query: up\n        reduce: last\n        condition: '< 1'\n";
    let (prometheus, _dir, server) = start(Some(rules));
    let sockets = twenty_clients(&server).await;
    // The rule started on its own query; it moves to the panel's on its next tick.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = query_range_count(&prometheus).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let during = query_range_count(&prometheus).await - before;
    eprintln!("upstream query_range calls in 5 s with 20 clients and a rule: {during}");
    assert!(
        (2.0..=8.0).contains(&during),
        "{during} upstream query_range calls in 5 s for 20 clients and a rule on the same query"
    );
    // And the rule does evaluate, on the shared frames.
    let rules: Value = client()
        .get(server.at("/api/v1/rules"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rule = &rules["data"]["groups"][0]["rules"][0];
    assert_eq!(rule["health"], "ok", "{rule}");
    assert_eq!(rule["state"], "inactive", "{rule}");
    assert!(rule["lastEvaluation"].as_str().is_some(), "{rule}");
    drop(sockets);
}
